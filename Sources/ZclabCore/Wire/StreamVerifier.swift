import Crypto
#if canImport(Glibc)
import Glibc
#endif

/// Compares a stream, in order, with expected content: stream byte `k` is
/// content byte `startOffset + k`. Expected bytes are generated into a
/// reusable window (256 KiB, refilled as the stream moves past it) and
/// compared with memcmp while the stream is
/// hashed with SHA-256; nothing of the stream is kept.
public final class StreamVerifier: TCPStreamSink {
    public let expected: any ExpectedContent
    public let startOffset: UInt64
    /// Stream bytes expected: `expected.count - startOffset`.
    public let expectedLength: UInt64

    private var position: UInt64 = 0
    private var received: UInt64 = 0
    private let hasher = PipelinedSHA256()
    /// The hasher when the stream first stopped equalling the expected
    /// bytes: it holds the expected prefix, so the expected digest needs
    /// only the rest.
    private var divergence: (offset: UInt64, hasher: SHA256)?
    private var probe: MismatchProbe?
    private var firstMismatch: Mismatch?
    private var mismatchedBytes: UInt64 = 0
    private var missingBytes: UInt64 = 0
    private var truncatedBytes: UInt64 = 0
    private var extraBytes: UInt64 = 0
    /// Expected bytes of stream offsets `windowStart ..< windowStart + windowCount`.
    private let scratch: UnsafeMutableRawBufferPointer
    private var windowStart: UInt64 = 0
    private var windowCount = 0
    private static let scratchSize = 256 << 10

    /// Whether missing stretches (and a stream that ends early) are findings:
    /// true for a capture of the whole stream, false for one that samples it.
    /// A sample's hash cannot equal the file's, so without holes as findings
    /// the expected content is not hashed either (`expectedSHA256` is empty).
    public let holesAreFindings: Bool

    public init(expected: any ExpectedContent, startOffset: UInt64 = 0, holesAreFindings: Bool = true) {
        self.expected = expected
        self.startOffset = startOffset
        self.holesAreFindings = holesAreFindings
        self.expectedLength = expected.count > startOffset ? expected.count - startOffset : 0
        scratch = .allocate(byteCount: StreamVerifier.scratchSize, alignment: 64)
    }

    deinit { scratch.deallocate() }

    public func receive(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        received += UInt64(bytes.count)
        var done = 0
        while done < bytes.count {
            let remaining = bytes.count - done
            if position >= expectedLength {
                noteExtra(UnsafeRawBufferPointer(rebasing: bytes[done...]))
                return
            }
            if position >= windowStart + UInt64(windowCount) { refillWindow() }
            let count = min(remaining, Int(windowStart + UInt64(windowCount) - position))
            let found = UnsafeRawBufferPointer(rebasing: bytes[done ..< done + count])
            probe?.collect(found, at: position)
            compare(found)
            position += UInt64(count)
            done += count
        }
    }

    public func skip(_ length: UInt64, because hole: StreamHole) {
        guard length > 0 else { return }
        closeProbe()
        noteDivergence(at: position)
        switch hole {
        case .missing:
            missingBytes += length
            if firstMismatch == nil && holesAreFindings {
                firstMismatch = Mismatch(offset: position, kind: .missing, expectedHex: expectedHex(at: position),
                                         foundHex: "", length: length)
            }
        case .truncated:
            truncatedBytes += length
        }
        position += length
    }

    /// Ends the stream and reports.
    public func finish() -> StreamVerification {
        closeProbe()
        if position < expectedLength, firstMismatch == nil, holesAreFindings {
            firstMismatch = Mismatch(offset: position, kind: .short, expectedHex: expectedHex(at: position),
                                     foundHex: "", length: expectedLength - position)
        }
        if firstMismatch?.kind == .extra { firstMismatch?.length = extraBytes }
        let streamHash = hasher.finish()
        let streamDigest = streamHash.finalize()
        var expectedHasher = divergence?.hasher ?? streamHash
        var offset = divergence?.offset ?? position
        windowCount = 0  // the scratch buffer is reused below
        while offset < expectedLength && holesAreFindings {
            let count = Int(min(UInt64(scratch.count), expectedLength - offset))
            let piece = UnsafeMutableRawBufferPointer(rebasing: scratch[0 ..< count])
            expected.fill(piece, at: startOffset + offset)
            expectedHasher.update(bufferPointer: UnsafeRawBufferPointer(piece))
            offset += UInt64(count)
        }
        return StreamVerification(
            bytes: received, streamEnd: position,
            sha256: hex(streamDigest), expectedBytes: expectedLength,
            expectedSHA256: holesAreFindings ? hex(expectedHasher.finalize()) : "",
            firstMismatch: firstMismatch, mismatchedBytes: mismatchedBytes,
            missingBytes: missingBytes, truncatedBytes: truncatedBytes, extraBytes: extraBytes)
    }

    // MARK: Comparing

    /// Fills the window with the expected bytes from `position` on.
    private func refillWindow() {
        windowStart = position
        windowCount = Int(min(UInt64(scratch.count), expectedLength - position))
        expected.fill(UnsafeMutableRawBufferPointer(rebasing: scratch[0 ..< windowCount]), at: startOffset + position)
    }

    /// Compares `found` (within the window) with the expected bytes at
    /// `position`, then hashes it.
    private func compare(_ found: UnsafeRawBufferPointer) {
        let windowOffset = Int(position - windowStart)
        let expectedBytes = UnsafeRawBufferPointer(rebasing: scratch[windowOffset ..< windowOffset + found.count])
        let equal = memcmp(found.baseAddress!, expectedBytes.baseAddress!, found.count) == 0
        if equal, probe?.runOpen != true {
            hasher.update(found)
            return
        }
        let firstDifference = scanDifferences(found, expectedBytes)
        if let firstDifference, divergence == nil {
            hasher.update(UnsafeRawBufferPointer(rebasing: found[0 ..< firstDifference]))
            noteDivergence(at: position + UInt64(firstDifference))
            hasher.update(UnsafeRawBufferPointer(rebasing: found[firstDifference...]))
        } else {
            hasher.update(found)
        }
    }

    /// Counts differing bytes, opens the first-mismatch probe and tracks its
    /// run; returns the index of the first differing byte, if any.
    private func scanDifferences(_ found: UnsafeRawBufferPointer, _ wanted: UnsafeRawBufferPointer) -> Int? {
        var firstDifference: Int?
        var index = 0
        let count = found.count
        while index < count {
            // A word at a time where the outcome is the same for all 8 bytes:
            // all equal, or (once the first mismatch is being looked at) all
            // different. Only mixed words and the very first difference go
            // byte by byte, so long runs of wrong bytes cost no more than right ones.
            if index + 8 <= count {
                let difference = found.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                    ^ wanted.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                if difference == 0 {
                    probe?.noteMatches(8)
                    index += 8
                    continue
                }
                if nonzeroBytes(difference) == 8 && (probe != nil || firstMismatch != nil) {
                    mismatchedBytes += 8
                    if firstDifference == nil { firstDifference = index }
                    probe?.noteDifference(at: position + UInt64(index) + 7)
                    index += 8
                    continue
                }
            }
            let offset = position + UInt64(index)
            if found[index] != wanted[index] {
                mismatchedBytes += 1
                if firstDifference == nil { firstDifference = index }
                if probe == nil, firstMismatch == nil {
                    probe = MismatchProbe(offset: offset)
                    probe!.collect(UnsafeRawBufferPointer(rebasing: found[index...]), at: offset)
                }
                probe?.noteDifference(at: offset)
            } else {
                probe?.noteMatches(1)
            }
            index += 1
        }
        return firstDifference
    }

    /// How many of the 8 bytes of `word` are not zero (bit 7 of each byte
    /// becomes "this byte is non-zero", without carries between bytes).
    @inline(__always)
    private func nonzeroBytes(_ word: UInt64) -> Int {
        let low = (word & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x7F7F_7F7F_7F7F_7F7F
        return ((low | word) & 0x8080_8080_8080_8080).nonzeroBitCount
    }

    private func noteExtra(_ bytes: UnsafeRawBufferPointer) {
        closeProbe()
        noteDivergence(at: position)
        if firstMismatch == nil {
            firstMismatch = Mismatch(offset: position, kind: .extra, expectedHex: "",
                                     foundHex: hex(UnsafeRawBufferPointer(rebasing: bytes.prefix(16))),
                                     length: UInt64(bytes.count))
        }
        extraBytes += UInt64(bytes.count)
        hasher.update(bytes)
        position += UInt64(bytes.count)
    }

    private func noteDivergence(at offset: UInt64) {
        if divergence == nil { divergence = (offset, hasher.state()) }
    }

    /// Turns the probe into the first mismatch, classifying the found bytes.
    private func closeProbe() {
        guard let probe, firstMismatch == nil else { return }
        let found = probe.found
        let kind: Mismatch.Kind
        var sourceOffset: UInt64?
        // Zeros: every found byte of the differing run (as far as sampled) is 0.
        let run = Int(min(UInt64(found.count), probe.lastDifference + 1 - probe.offset))
        if found.prefix(run).allSatisfy({ $0 == 0 }) {
            kind = .zeros
        } else if found.count == MismatchProbe.sampleSize,
                  let origin = found.withUnsafeBytes({ expected.origin(of: $0) }),
                  origin != startOffset + probe.offset {
            kind = .shifted
            sourceOffset = origin
        } else {
            kind = .other
        }
        firstMismatch = Mismatch(
            offset: probe.offset, kind: kind, sourceOffset: sourceOffset,
            expectedHex: expectedHex(at: probe.offset), foundHex: hex(found.prefix(16)),
            length: probe.lastDifference + 1 - probe.offset)
        self.probe = nil
    }

    /// Up to 16 expected bytes at stream offset `offset`, hex.
    private func expectedHex(at offset: UInt64) -> String {
        guard offset < expectedLength else { return "" }
        var bytes = [UInt8](repeating: 0, count: Int(min(16, expectedLength - offset)))
        bytes.withUnsafeMutableBytes { expected.fill($0, at: startOffset + offset) }
        return hex(bytes)
    }
}

/// The first mismatching run being looked at: found bytes at its start and
/// where it ends.
private struct MismatchProbe {
    /// `TestPattern.origin(of:below:)` may read up to 23 bytes.
    static let sampleSize = 24
    static let runEndingMatches = 16

    let offset: UInt64
    private(set) var found: [UInt8] = []
    private(set) var lastDifference: UInt64
    private(set) var runOpen = true
    private var matchesInARow = 0

    init(offset: UInt64) {
        self.offset = offset
        self.lastDifference = offset
    }

    /// Keeps found bytes (`bytes` at stream offset `at`) until the sample is full.
    mutating func collect(_ bytes: UnsafeRawBufferPointer, at streamOffset: UInt64) {
        guard found.count < MismatchProbe.sampleSize,
              streamOffset == offset + UInt64(found.count) else { return }
        found.append(contentsOf: bytes.prefix(MismatchProbe.sampleSize - found.count))
    }

    mutating func noteDifference(at streamOffset: UInt64) {
        guard runOpen else { return }
        lastDifference = streamOffset
        matchesInARow = 0
    }

    mutating func noteMatches(_ count: Int) {
        guard runOpen else { return }
        matchesInARow += count
        if matchesInARow >= MismatchProbe.runEndingMatches { runOpen = false }
    }
}
