#if canImport(Glibc)
import Glibc
#endif

/// Reassembles one direction of one TCP connection into in-order bytes,
/// handed to a sink as soon as they are contiguous; the stream is never held.
///
/// Sequence numbers become 64-bit stream offsets (offset 0 is the byte after
/// the SYN's sequence number, or, with no SYN captured, the first data byte
/// seen), so transfers past 4 GiB and ISNs near 2^32 wrap correctly.
/// Retransmitted bytes are compared with what was delivered, kept in a ring
/// of the most recent bytes; bytes older than the ring are compared with the
/// expected content instead. Disagreements are conflicts. Out-of-order
/// segments are copied and held until the hole before them fills; holes
/// still open at the end of the capture (or once more than `reorderLimit`
/// bytes wait behind one) are gaps, and the bytes after them still go to the
/// sink. Bytes cut off by the capture's snaplen are skipped as truncated.
public final class TCPReassembler {
    public struct Statistics: Sendable, Equatable {
        /// Packets of this direction, with or without payload.
        public var packets = 0
        /// Packets carrying payload.
        public var dataSegments = 0
        /// Payload bytes at offsets already seen.
        public var retransmittedBytes: UInt64 = 0
        /// Segments that arrived ahead of a hole.
        public var outOfOrderSegments = 0
        /// Segments whose payload the capture cut off, and the bytes cut.
        public var truncatedSegments = 0
        public var truncatedBytes: UInt64 = 0
        /// Retransmitted bytes that disagreed with the first copy.
        public var conflictBytes: UInt64 = 0
        public var synSeen = false
        public var finSeen = false
        public var rstSeen = false
    }

    public private(set) var statistics = Statistics()
    /// Ranges missing from the capture, in stream order.
    public private(set) var gaps: [ByteRange] = []
    /// Ranges where a retransmission disagreed with earlier bytes, in stream
    /// order once `finish` has run.
    public private(set) var conflicts: [ByteRange] = []
    /// The conflict at the lowest offset.
    public private(set) var firstConflict: Mismatch?
    /// Stream offset of the next byte to deliver.
    public private(set) var deliveredEnd: UInt64 = 0

    public let expected: any ExpectedContent
    public let startOffset: UInt64
    private let expectedLength: UInt64
    private let sink: any TCPStreamSink
    private let reorderLimit: Int

    /// Sequence number of stream offset 0.
    private var base: UInt32?
    private var finOffset: UInt64?
    private var pending = PendingSegments()
    private let ring: UnsafeMutableRawBufferPointer
    private let ringMask: UInt64
    private var scratch: UnsafeMutableRawBufferPointer?
    private var events = ReassemblyEvents()

    /// - Parameters:
    ///   - expected: what the stream should carry (stream byte k is content
    ///     byte `startOffset + k`); used for retransmissions older than the ring.
    ///   - sink: receives the in-order stream.
    ///   - ringCapacity: recent delivered bytes kept for comparing
    ///     retransmissions (rounded up to a power of two).
    ///   - reorderLimit: out-of-order bytes held before the hole in front of
    ///     them is declared a gap.
    public init(expected: any ExpectedContent, startOffset: UInt64 = 0, sink: any TCPStreamSink,
                ringCapacity: Int = 32 << 20, reorderLimit: Int = 64 << 20) {
        self.expected = expected
        self.startOffset = startOffset
        self.expectedLength = expected.count > startOffset ? expected.count - startOffset : 0
        self.sink = sink
        self.reorderLimit = reorderLimit
        var capacity = 4096
        while capacity < ringCapacity { capacity <<= 1 }
        ring = .allocate(byteCount: capacity, alignment: 64)
        ringMask = UInt64(capacity - 1)
    }

    deinit {
        ring.deallocate()
        scratch?.deallocate()
    }

    /// Human-readable remarks about the stream (no SYN, bytes ignored, ...).
    public var notes: [String] { events.notes }

    /// Takes one segment of this direction; `packet` holds the captured
    /// bytes it was decoded from.
    public func add(_ segment: TCPSegment, packet: UnsafeRawBufferPointer) {
        statistics.packets += 1
        var dataSequence = segment.sequenceNumber
        if segment.flags.contains(.rst) { statistics.rstSeen = true }
        if segment.flags.contains(.syn) {
            statistics.synSeen = true
            dataSequence &+= 1
            if base == nil {
                base = dataSequence
            } else if base != dataSequence {
                events.ignoredSYNs += 1
            }
        }
        let payloadLength = segment.payloadLength
        let hasFIN = segment.flags.contains(.fin)
        guard payloadLength > 0 || hasFIN else { return }
        if base == nil {
            guard payloadLength > 0 else { return }
            base = dataSequence
            events.firstSequenceWithoutSYN = dataSequence
        }
        var offset = streamOffset(ofSequence: dataSequence)
        if hasFIN {
            statistics.finSeen = true
            let end = offset + Int64(payloadLength)
            if finOffset == nil, end >= 0 { finOffset = UInt64(end) }
        }
        guard payloadLength > 0 else { return }
        statistics.dataSegments += 1
        if segment.payloadTruncated {
            statistics.truncatedSegments += 1
            statistics.truncatedBytes += UInt64(segment.missingPayloadBytes)
        }
        var captured = segment.payload(in: packet)
        var truncatedLength = UInt64(segment.missingPayloadBytes)
        if offset < 0 {
            // Bytes before stream offset 0: a capture that began mid-stream
            // saw a later byte first.
            let cut = Int(min(-offset, Int64(payloadLength)))
            events.bytesBeforeStart += UInt64(cut)
            let capturedCut = min(cut, captured.count)
            captured = UnsafeRawBufferPointer(rebasing: captured[capturedCut...])
            truncatedLength -= UInt64(cut - capturedCut)
            offset += Int64(cut)
            if captured.isEmpty && truncatedLength == 0 { return }
        }
        let start = UInt64(offset)
        if start > deliveredEnd {
            statistics.outOfOrderSegments += 1
            pending.insert(PendingSegment(offset: start, bytes: Array(captured), truncatedLength: truncatedLength))
            while pending.byteCount > reorderLimit, let first = pending.first {
                events.reorderLimitGaps += 1
                skip(upTo: first.offset, because: .missing)
                deliverPending()
            }
        } else {
            accept(captured, at: start, truncatedLength: truncatedLength)
            deliverPending()
        }
    }

    /// Ends the capture: open holes become gaps (the bytes after them still
    /// reach the sink), as do bytes missing before a FIN.
    public func finish() {
        while let first = pending.first {
            skip(upTo: first.offset, because: .missing)
            deliverPending()
        }
        if let finOffset, finOffset > deliveredEnd {
            skip(upTo: finOffset, because: .missing)
        }
        conflicts = ByteRange.merged(conflicts)
    }

    // MARK: Delivery

    /// Unwraps a sequence number to a stream offset, as the nearest to the
    /// highest offset seen so far: retransmissions land up to 2 GiB behind it,
    /// and a capture that keeps only samples of a long stream (holes of many
    /// GiB behind the delivery point) still places each sample right.
    private func streamOffset(ofSequence sequence: UInt32) -> Int64 {
        let reference = (base ?? sequence) &+ UInt32(truncatingIfNeeded: highestOffset)
        let offset = highestOffset + Int64(Int32(bitPattern: sequence &- reference))
        highestOffset = max(highestOffset, offset)
        return offset
    }

    /// The highest stream offset a segment started at so far.
    private var highestOffset: Int64 = 0

    /// Takes bytes at `offset` ≤ `deliveredEnd`: what was delivered already is
    /// compared, the rest delivered; a truncated tail past it is skipped.
    private func accept(_ bytes: UnsafeRawBufferPointer, at offset: UInt64, truncatedLength: UInt64) {
        let end = offset + UInt64(bytes.count)
        if offset < deliveredEnd {
            let overlap = Int(min(end, deliveredEnd) - offset)
            statistics.retransmittedBytes += UInt64(overlap) + min(truncatedLength, deliveredEnd - offset - UInt64(overlap))
            compareWithDelivered(UnsafeRawBufferPointer(rebasing: bytes[0 ..< overlap]), at: offset)
        }
        if end > deliveredEnd {
            deliver(UnsafeRawBufferPointer(rebasing: bytes[Int(deliveredEnd - offset)...]))
        }
        if end + truncatedLength > deliveredEnd {
            skip(upTo: end + truncatedLength, because: .truncated)
        }
    }

    private func deliverPending() {
        while let first = pending.first, first.offset <= deliveredEnd {
            let segment = pending.removeFirst()
            segment.bytes.withUnsafeBytes {
                accept($0, at: segment.offset, truncatedLength: segment.truncatedLength)
            }
        }
    }

    private func deliver(_ bytes: UnsafeRawBufferPointer) {
        storeInRing(bytes)
        sink.receive(bytes)
        deliveredEnd += UInt64(bytes.count)
    }

    /// Skips to `end`. The ring gets the expected bytes for the skipped
    /// range, so a late copy of them is compared with the expected content.
    private func skip(upTo end: UInt64, because hole: StreamHole) {
        guard end > deliveredEnd else { return }
        let length = end - deliveredEnd
        if hole == .missing { gaps.append(ByteRange(lower: deliveredEnd, upper: end)) }
        sink.skip(length, because: hole)
        let kept = min(length, ringMask + 1)
        var position = end - kept
        while position < end {
            let index = Int(position & ringMask)
            let count = Int(min(end - position, ringMask + 1 - UInt64(index)))
            fillExpected(UnsafeMutableRawBufferPointer(rebasing: ring[index ..< index + count]), at: position)
            position += UInt64(count)
        }
        deliveredEnd = end
    }

    private func storeInRing(_ bytes: UnsafeRawBufferPointer) {
        var source = bytes
        var position = deliveredEnd
        if source.count > ring.count {
            let dropped = source.count - ring.count
            source = UnsafeRawBufferPointer(rebasing: source[dropped...])
            position += UInt64(dropped)
        }
        while !source.isEmpty {
            let index = Int(position & ringMask)
            let count = min(source.count, ring.count - index)
            UnsafeMutableRawBufferPointer(rebasing: ring[index ..< index + count])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: source[0 ..< count]))
            source = UnsafeRawBufferPointer(rebasing: source[count...])
            position += UInt64(count)
        }
    }

    /// Expected bytes at stream offset `offset` (zeros past the content).
    private func fillExpected(_ buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) {
        let inContent = Int(min(UInt64(buffer.count), expectedLength > offset ? expectedLength - offset : 0))
        if inContent > 0 {
            expected.fill(UnsafeMutableRawBufferPointer(rebasing: buffer[0 ..< inContent]), at: startOffset + offset)
        }
        if inContent < buffer.count {
            UnsafeMutableRawBufferPointer(rebasing: buffer[inContent...]).initializeMemory(as: UInt8.self, repeating: 0)
        }
    }

    // MARK: Retransmissions

    /// Compares bytes seen again (all before `deliveredEnd`) with the ring,
    /// or with the expected content where the ring no longer reaches.
    private func compareWithDelivered(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) {
        let ringStart = deliveredEnd - min(deliveredEnd, ringMask + 1)
        var position = offset
        var remaining = bytes
        while !remaining.isEmpty {
            let count: Int
            if position < ringStart {
                guard position < expectedLength else {
                    events.uncheckedRetransmittedBytes += UInt64(remaining.count)
                    return
                }
                let scratch = scratchBuffer()
                count = Int(min(UInt64(remaining.count), UInt64(scratch.count), ringStart - position,
                                expectedLength - position))
                let reference = UnsafeMutableRawBufferPointer(rebasing: scratch[0 ..< count])
                fillExpected(reference, at: position)
                compare(UnsafeRawBufferPointer(rebasing: remaining[0 ..< count]), with: UnsafeRawBufferPointer(reference), at: position)
            } else {
                let index = Int(position & ringMask)
                count = min(remaining.count, ring.count - index)
                compare(UnsafeRawBufferPointer(rebasing: remaining[0 ..< count]),
                        with: UnsafeRawBufferPointer(rebasing: ring[index ..< index + count]), at: position)
            }
            remaining = UnsafeRawBufferPointer(rebasing: remaining[count...])
            position += UInt64(count)
        }
    }

    /// Records each run of differing bytes (runs closer than 16 bytes merge).
    private func compare(_ found: UnsafeRawBufferPointer, with reference: UnsafeRawBufferPointer, at offset: UInt64) {
        guard memcmp(found.baseAddress!, reference.baseAddress!, found.count) != 0 else { return }
        var runStart: Int?
        var lastDifference = 0
        for index in 0 ..< found.count where found[index] != reference[index] {
            statistics.conflictBytes += 1
            if let start = runStart, index - lastDifference > 16 {
                recordConflict(found, reference, from: start, to: lastDifference + 1, at: offset)
                runStart = index
            } else if runStart == nil {
                runStart = index
            }
            lastDifference = index
        }
        if let start = runStart {
            recordConflict(found, reference, from: start, to: lastDifference + 1, at: offset)
        }
    }

    private func recordConflict(_ found: UnsafeRawBufferPointer, _ reference: UnsafeRawBufferPointer,
                                from start: Int, to end: Int, at offset: UInt64) {
        let range = ByteRange(lower: offset + UInt64(start), upper: offset + UInt64(end))
        if let last = conflicts.last, last.upper >= range.lower, last.lower <= range.lower {
            conflicts[conflicts.count - 1].upper = max(last.upper, range.upper)
        } else {
            conflicts.append(range)
        }
        if firstConflict == nil || range.lower < firstConflict!.offset {
            let sample = start ..< min(start + 16, found.count)
            firstConflict = Mismatch(
                offset: range.lower, kind: .conflict,
                expectedHex: hex(UnsafeRawBufferPointer(rebasing: reference[sample])),
                foundHex: hex(UnsafeRawBufferPointer(rebasing: found[sample])),
                length: range.count)
        }
    }

    private func scratchBuffer() -> UnsafeMutableRawBufferPointer {
        if let scratch { return scratch }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 64)
        scratch = buffer
        return buffer
    }
}
