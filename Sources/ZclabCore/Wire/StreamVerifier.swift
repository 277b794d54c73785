import Crypto
#if canImport(Glibc)
import Glibc
#endif

/// The first place where a stream differs from what was expected.
public struct Mismatch: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// Found bytes are all zero.
        case zeros
        /// Found bytes are the expected bytes of another offset (`sourceOffset`).
        case shifted
        /// Found bytes differ in some other way.
        case other
        /// Bytes absent from the capture (a gap).
        case missing
        /// Bytes past the end of the expected content.
        case extra
        /// The stream ended before the expected content did.
        case short
        /// A retransmission disagreed with bytes seen before at the same offset.
        case conflict
    }

    /// Stream offset of the first differing byte.
    public var offset: UInt64
    public var kind: Kind
    /// For `shifted`: the content offset (not stream offset) whose expected
    /// bytes were found here.
    public var sourceOffset: UInt64?
    /// Up to 16 expected bytes at `offset`, hex (for `conflict`: the bytes
    /// seen first).
    public var expectedHex: String
    /// Up to 16 found bytes at `offset`, hex (for `conflict`: the later bytes).
    public var foundHex: String
    /// Bytes from `offset` to the last differing byte of this run (a run ends
    /// at 16 matching bytes in a row); for missing/extra/short/conflict, the
    /// length of that range.
    public var length: UInt64

    public init(offset: UInt64, kind: Kind, sourceOffset: UInt64? = nil,
                expectedHex: String, foundHex: String, length: UInt64) {
        self.offset = offset
        self.kind = kind
        self.sourceOffset = sourceOffset
        self.expectedHex = expectedHex
        self.foundHex = foundHex
        self.length = length
    }

    enum CodingKeys: String, CodingKey {
        case offset, kind, length
        case sourceOffset = "source_offset"
        case expectedHex = "expected_hex"
        case foundHex = "found_hex"
    }
}

/// Why a reassembled stream skips bytes.
public enum StreamHole: Sendable, Equatable {
    /// The capture holds no copy of these bytes.
    case missing
    /// The capture cut these bytes off (snaplen).
    case truncated
}

/// Receives a reassembled byte stream in order.
public protocol TCPStreamSink: AnyObject {
    /// The next bytes of the stream.
    func receive(_ bytes: UnsafeRawBufferPointer)
    /// The next `length` bytes of the stream are not available.
    func skip(_ length: UInt64, because hole: StreamHole)
}

/// What `StreamVerifier` found.
public struct StreamVerification: Sendable, Equatable {
    /// Bytes received (skipped bytes not included).
    public var bytes: UInt64
    /// Stream offset after the last byte received or skipped.
    public var streamEnd: UInt64
    /// SHA-256 of the received bytes, hex.
    public var sha256: String
    public var expectedBytes: UInt64
    /// SHA-256 of the expected bytes, hex.
    public var expectedSHA256: String
    public var firstMismatch: Mismatch?
    /// Received bytes that differ from the expected ones.
    public var mismatchedBytes: UInt64
    public var missingBytes: UInt64
    public var truncatedBytes: UInt64
    public var extraBytes: UInt64

    /// Every expected byte was received, equal, and nothing more.
    public var matches: Bool {
        firstMismatch == nil && truncatedBytes == 0 && bytes == expectedBytes
    }
}

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

/// SHA-256 computed on a second thread, so that hashing overlaps comparing:
/// `update` copies bytes into one of a few blocks and a worker thread hashes
/// full blocks. Streams shorter than a block are hashed inline.
final class PipelinedSHA256: @unchecked Sendable {
    private static let blockSize = 1 << 20
    private static let blockCount = 8

    private let storage: UnsafeMutableRawBufferPointer
    /// Bytes in each handed-over block.
    private var blockFill = [Int](repeating: 0, count: PipelinedSHA256.blockCount)
    /// The block `update` writes into, and how full it is (producer only).
    private var currentBlock = 0
    private var currentFill = 0
    // Shared, under `mutex`: blocks `oldestQueued ..< oldestQueued + queued`
    // (mod blockCount) wait for the worker. `hasher` belongs to the worker
    // while `queued > 0`.
    private var oldestQueued = 0
    private var queued = 0
    private var stopping = false
    private var hasher = SHA256()
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let changed = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var worker: pthread_t?

    init() {
        storage = .allocate(byteCount: PipelinedSHA256.blockSize * PipelinedSHA256.blockCount, alignment: 64)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(changed, nil)
    }

    deinit {
        stopWorker()
        pthread_cond_destroy(changed)
        pthread_mutex_destroy(mutex)
        changed.deallocate()
        mutex.deallocate()
        storage.deallocate()
    }

    func update(_ bytes: UnsafeRawBufferPointer) {
        var rest = bytes
        while !rest.isEmpty {
            let count = min(rest.count, PipelinedSHA256.blockSize - currentFill)
            let start = currentBlock * PipelinedSHA256.blockSize + currentFill
            UnsafeMutableRawBufferPointer(rebasing: storage[start ..< start + count])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: rest[0 ..< count]))
            currentFill += count
            rest = UnsafeRawBufferPointer(rebasing: rest[count...])
            if currentFill == PipelinedSHA256.blockSize { handOverCurrentBlock() }
        }
    }

    /// The hash state over every byte given so far.
    func state() -> SHA256 {
        if worker == nil {
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: storage[0 ..< currentFill]))
            currentFill = 0
            return hasher
        }
        if currentFill > 0 { handOverCurrentBlock() }
        pthread_mutex_lock(mutex)
        while queued > 0 { pthread_cond_wait(changed, mutex) }
        let state = hasher
        pthread_mutex_unlock(mutex)
        return state
    }

    /// The final state; the worker thread ends.
    func finish() -> SHA256 {
        let final = state()
        stopWorker()
        return final
    }

    private func handOverCurrentBlock() {
        if worker == nil { startWorker() }
        pthread_mutex_lock(mutex)
        blockFill[currentBlock] = currentFill
        queued += 1
        pthread_cond_broadcast(changed)
        while queued == PipelinedSHA256.blockCount { pthread_cond_wait(changed, mutex) }
        pthread_mutex_unlock(mutex)
        currentBlock = (currentBlock + 1) % PipelinedSHA256.blockCount
        currentFill = 0
    }

    private func startWorker() {
        var thread = pthread_t()
        let context = Unmanaged.passUnretained(self).toOpaque()
        let status = pthread_create(&thread, nil, { context in
            Unmanaged<PipelinedSHA256>.fromOpaque(context!).takeUnretainedValue().hashQueuedBlocks()
            return nil
        }, context)
        precondition(status == 0, "pthread_create: \(status)")
        worker = thread
    }

    private func stopWorker() {
        guard let thread = worker else { return }
        pthread_mutex_lock(mutex)
        stopping = true
        pthread_cond_broadcast(changed)
        pthread_mutex_unlock(mutex)
        pthread_join(thread, nil)
        worker = nil
    }

    private func hashQueuedBlocks() {
        pthread_mutex_lock(mutex)
        while true {
            while queued == 0 && !stopping { pthread_cond_wait(changed, mutex) }
            if queued == 0 { break }
            let block = oldestQueued
            let count = blockFill[block]
            pthread_mutex_unlock(mutex)
            let start = block * PipelinedSHA256.blockSize
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: storage[start ..< start + count]))
            pthread_mutex_lock(mutex)
            oldestQueued = (oldestQueued + 1) % PipelinedSHA256.blockCount
            queued -= 1
            pthread_cond_broadcast(changed)
        }
        pthread_mutex_unlock(mutex)
    }
}

/// Lower-case hex of bytes.
func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
    let digits: [UInt8] = Array("0123456789abcdef".utf8)
    var text: [UInt8] = []
    for byte in bytes {
        text.append(digits[Int(byte >> 4)])
        text.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: text, as: UTF8.self)
}
