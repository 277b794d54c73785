import Testing
@testable import ZclabCore

/// A sink that records what the reassembler hands out.
final class RecordingSink: TCPStreamSink {
    enum Event: Equatable {
        case bytes(offset: UInt64, count: Int)
        case skip(offset: UInt64, length: UInt64, StreamHole)
    }

    var events: [Event] = []
    var stream: [UInt8] = []
    var end: UInt64 = 0
    let keepsBytes: Bool

    init(keepsBytes: Bool = true) { self.keepsBytes = keepsBytes }

    func receive(_ bytes: UnsafeRawBufferPointer) {
        if keepsBytes {
            events.append(.bytes(offset: end, count: bytes.count))
            stream += bytes
        }
        end += UInt64(bytes.count)
    }

    func skip(_ length: UInt64, because hole: StreamHole) {
        events.append(.skip(offset: end, length: length, hole))
        if keepsBytes { stream += [UInt8](repeating: 0, count: Int(length)) }
        end += length
    }
}

/// Feeds segments of one sender, built as RAW IP frames and decoded, to a
/// reassembler.
final class ReassemblyHarness {
    static let flow = FlowKey("192.0.2.1:40000 > 192.0.2.2:5001")!
    let content: PatternContent
    let sink: RecordingSink
    let reassembler: TCPReassembler
    let initialSequence: UInt32
    private let builder = SyntheticFrameBuilder(linkType: .raw)

    init(count: UInt64 = 100_000, initialSequence: UInt32 = 1000, ringCapacity: Int = 32 << 20,
         reorderLimit: Int = 64 << 20, keepsBytes: Bool = true) {
        content = PatternContent(count: count, seed: 7)
        sink = RecordingSink(keepsBytes: keepsBytes)
        reassembler = TCPReassembler(expected: content, sink: sink, ringCapacity: ringCapacity, reorderLimit: reorderLimit)
        self.initialSequence = initialSequence
    }

    func bytes(_ range: Range<UInt64>) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: range.count)
        bytes.withUnsafeMutableBytes { content.fill($0, at: range.lowerBound) }
        return bytes
    }

    func syn() {
        send([], sequenceNumber: initialSequence, flags: .syn)
    }

    /// Sends `payload` at stream offset `offset` (cut to `captured` bytes, as
    /// a snaplen would).
    func send(_ payload: [UInt8], at offset: UInt64, flags: TCPFlags = [.ack, .psh], captured: Int? = nil) {
        send(payload, sequenceNumber: initialSequence &+ 1 &+ UInt32(truncatingIfNeeded: offset), flags: flags, captured: captured)
    }

    func send(_ range: Range<UInt64>, captured: Int? = nil) {
        send(bytes(range), at: range.lowerBound, captured: captured)
    }

    func send(_ payload: [UInt8], sequenceNumber: UInt32, flags: TCPFlags, captured: Int? = nil) {
        let frame = payload.withUnsafeBytes {
            builder.frame(flow: Self.flow, sequenceNumber: sequenceNumber, flags: flags, payload: $0)
        }
        let kept = Array(frame.prefix(captured.map { frame.count - payload.count + $0 } ?? frame.count))
        kept.withUnsafeBytes { packet in
            let segment = try! PacketDecoder.decode(packet, linkType: .raw, originalLength: frame.count).get()
            reassembler.add(segment, packet: packet)
        }
    }
}

@Suite("TCPReassembler")
struct TCPReassemblerTests {
    @Test("in-order segments are delivered as they come, offset 0 after the SYN")
    func inOrder() {
        let harness = ReassemblyHarness()
        harness.syn()
        harness.send(0 ..< 1000)
        #expect(harness.sink.events == [.bytes(offset: 0, count: 1000)])
        harness.send(1000 ..< 1500)
        harness.send([], at: 1500, flags: [.fin, .ack])
        harness.reassembler.finish()
        #expect(harness.sink.stream == harness.bytes(0 ..< 1500))
        let statistics = harness.reassembler.statistics
        #expect(statistics.packets == 4 && statistics.dataSegments == 2)
        #expect(statistics.synSeen && statistics.finSeen && !statistics.rstSeen)
        #expect(harness.reassembler.notes.isEmpty && harness.reassembler.gaps.isEmpty)
    }

    @Test("out-of-order segments wait for the hole and are counted")
    func reordering() {
        let harness = ReassemblyHarness()
        harness.syn()
        harness.send(0 ..< 100)
        harness.send(300 ..< 400)
        harness.send(200 ..< 300)
        #expect(harness.sink.end == 100)
        harness.send(100 ..< 200)
        #expect(harness.sink.end == 400)
        harness.reassembler.finish()
        #expect(harness.sink.stream == harness.bytes(0 ..< 400))
        #expect(harness.reassembler.statistics.outOfOrderSegments == 2)
        #expect(harness.reassembler.statistics.retransmittedBytes == 0)
    }

    @Test("identical retransmissions and overlaps are counted, not conflicts")
    func retransmission() {
        let harness = ReassemblyHarness()
        harness.syn()
        harness.send(0 ..< 1000)
        harness.send(500 ..< 1500)
        harness.send(0 ..< 1000)
        harness.reassembler.finish()
        #expect(harness.sink.stream == harness.bytes(0 ..< 1500))
        #expect(harness.reassembler.statistics.retransmittedBytes == 1500)
        #expect(harness.reassembler.conflicts.isEmpty && harness.reassembler.firstConflict == nil)
    }

    @Test("an overlap with different bytes is a conflict at its exact offset; the first copy wins")
    func conflict() throws {
        let harness = ReassemblyHarness()
        harness.syn()
        harness.send(0 ..< 1000)
        var changed = harness.bytes(600 ..< 1200)
        for index in 123 ..< 130 { changed[index] ^= 0xFF }
        harness.send(changed, at: 600)
        harness.reassembler.finish()
        #expect(harness.sink.stream == harness.bytes(0 ..< 1000) + changed.suffix(200))
        #expect(harness.reassembler.conflicts == [ByteRange(lower: 723, upper: 730)])
        let first = try #require(harness.reassembler.firstConflict)
        #expect(first.offset == 723 && first.kind == .conflict && first.length == 7)
        #expect(first.expectedHex == hex(harness.bytes(723 ..< 739)))
        #expect(first.foundHex == hex(changed[123 ..< 139]))
        #expect(harness.reassembler.statistics.conflictBytes == 7)
    }

    @Test("retransmissions older than the ring are compared with the expected content")
    func olderThanRing() {
        let harness = ReassemblyHarness(ringCapacity: 4096)
        harness.syn()
        for start in stride(from: UInt64(0), to: 20_000, by: 1000) { harness.send(start ..< start + 1000) }
        harness.send(1000 ..< 2000)
        #expect(harness.reassembler.conflicts.isEmpty)
        var changed = harness.bytes(1000 ..< 2000)
        changed[10] ^= 1
        harness.send(changed, at: 1000)
        harness.reassembler.finish()
        #expect(harness.reassembler.conflicts == [ByteRange(lower: 1010, upper: 1011)])
    }

    @Test("sequence numbers wrap around 2^32", arguments: [UInt32.max - 10, UInt32.max, 0x7FFF_FFF0])
    func wrapAround(initialSequence: UInt32) {
        let harness = ReassemblyHarness(initialSequence: initialSequence)
        harness.syn()
        harness.send(0 ..< 1000)
        harness.send(2000 ..< 3000)
        harness.send(1000 ..< 2000)
        harness.send(500 ..< 1500)
        harness.reassembler.finish()
        #expect(harness.sink.stream == harness.bytes(0 ..< 3000))
        #expect(harness.reassembler.gaps.isEmpty && harness.reassembler.conflicts.isEmpty)
    }

    @Test("a stream longer than 4 GiB keeps its offsets")
    func beyondFourGiB() {
        let harness = ReassemblyHarness(count: 1, initialSequence: 0xFFFF_0000, ringCapacity: 1 << 16, keepsBytes: false)
        harness.syn()
        let chunk = 60_000
        let payload = [UInt8](repeating: 0x42, count: chunk)
        let total: UInt64 = (1 << 32) + 3 * UInt64(chunk)
        var offset: UInt64 = 0
        while offset < total {
            harness.send(payload, at: offset)
            offset += UInt64(chunk)
        }
        harness.send(payload, at: offset - UInt64(chunk))
        harness.send([], at: offset, flags: [.fin, .ack])
        harness.reassembler.finish()
        #expect(harness.sink.end == offset)
        #expect(harness.reassembler.gaps.isEmpty && harness.reassembler.conflicts.isEmpty)
        #expect(harness.reassembler.statistics.retransmittedBytes == UInt64(chunk))
    }

    @Test("without a SYN the first data byte is offset 0, with a note")
    func noSYN() {
        let harness = ReassemblyHarness()
        harness.send(5000 ..< 6000)
        harness.send(4000 ..< 5000)
        harness.send(6000 ..< 7000)
        harness.reassembler.finish()
        #expect(harness.sink.stream == harness.bytes(5000 ..< 7000))
        #expect(harness.reassembler.notes.contains { $0.hasPrefix("no SYN captured") })
        #expect(harness.reassembler.notes.contains("1000 payload bytes before stream offset 0 ignored"))
    }

    @Test("a hole left at the end is a gap, and the bytes after it still go out")
    func gapAtEnd() {
        let harness = ReassemblyHarness()
        harness.syn()
        harness.send(0 ..< 1000)
        harness.send(2000 ..< 3000)
        harness.send([], at: 4000, flags: [.fin, .ack])
        harness.reassembler.finish()
        #expect(harness.sink.events == [
            .bytes(offset: 0, count: 1000), .skip(offset: 1000, length: 1000, .missing),
            .bytes(offset: 2000, count: 1000), .skip(offset: 3000, length: 1000, .missing),
        ])
        #expect(harness.reassembler.gaps == [ByteRange(lower: 1000, upper: 2000), ByteRange(lower: 3000, upper: 4000)])
    }

    @Test("too many bytes waiting behind a hole make it a gap")
    func reorderLimit() {
        let harness = ReassemblyHarness(reorderLimit: 2500)
        harness.syn()
        harness.send(0 ..< 1000)
        for start in stride(from: UInt64(2000), to: 5000, by: 1000) { harness.send(start ..< start + 1000) }
        #expect(harness.sink.end == 5000)
        #expect(harness.reassembler.gaps == [ByteRange(lower: 1000, upper: 2000)])
        // The lost segment turning up later is compared with the expected bytes.
        harness.send(1000 ..< 2000)
        harness.reassembler.finish()
        #expect(harness.reassembler.conflicts.isEmpty)
        #expect(harness.reassembler.notes.contains { $0.contains("declared missing") })
    }

    @Test("payload cut by snaplen is skipped as truncated, without holding back what follows")
    func truncated() {
        let harness = ReassemblyHarness()
        harness.syn()
        harness.send(0 ..< 1000, captured: 600)
        harness.send(1000 ..< 2000, captured: 600)
        #expect(harness.sink.events == [
            .bytes(offset: 0, count: 600), .skip(offset: 600, length: 400, .truncated),
            .bytes(offset: 1000, count: 600), .skip(offset: 1600, length: 400, .truncated),
        ])
        harness.reassembler.finish()
        #expect(harness.reassembler.statistics.truncatedSegments == 2)
        #expect(harness.reassembler.statistics.truncatedBytes == 800)
        #expect(harness.reassembler.gaps.isEmpty)
    }

    @Test("RST is counted; a SYN with another ISN is noted")
    func flags() {
        let harness = ReassemblyHarness()
        harness.syn()
        harness.send([], sequenceNumber: 5, flags: .syn)
        harness.send([], at: 0, flags: [.rst])
        harness.reassembler.finish()
        #expect(harness.reassembler.statistics.rstSeen)
        #expect(harness.reassembler.notes.contains { $0.contains("another initial sequence number") })
    }
}
