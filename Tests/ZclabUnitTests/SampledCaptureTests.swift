import Testing
@testable import ZclabCore

/// Captures that keep only samples of a stream larger than 4 GiB (headers
/// elsewhere): the samples must land at their true offsets across sequence
/// wrap-around and holes of a GiB, and a wrong byte among them must be found.
@Suite("Sampled captures of streams over 4 GiB")
struct SampledCaptureTests {
    static let size: UInt64 = 5 << 30
    static let corrupted: UInt64 = (4 << 30) + 1234

    /// Handshake, one segment at every GiB, a window around 2^31, 2^32 and the
    /// end, FIN; optionally one byte flipped at `corrupted`.
    func transfer(corrupt: Bool) -> SyntheticTransfer {
        let transfer = SyntheticTransfer(count: Self.size, seed: 21, initialSequence: 0xFFFF_0000)
        transfer.handshake()
        var samples = (0 ..< 5).map { UInt64($0) << 30 ..< (UInt64($0) << 30) + 1448 }
        for mark: UInt64 in [1 << 31, 1 << 32, Self.size - 4000] {
            samples += stride(from: mark - 2896, to: min(mark + 2896, Self.size), by: 1448)
                .map { $0 ..< min($0 + 1448, Self.size) }
        }
        for range in samples.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            var bytes = transfer.bytes(range)
            if corrupt, range.contains(Self.corrupted) { bytes[Int(Self.corrupted - range.lowerBound)] ^= 0xFF }
            transfer.send(bytes, at: range.lowerBound)
        }
        transfer.fin(at: Self.size)
        return transfer
    }

    @Test func samplesLandAtTheirOffsetsAndPass() throws {
        let verdict = try transfer(corrupt: false).verify(sampled: true)
        #expect(verdict.status == .pass, "\(verdict)")
        #expect(verdict.firstMismatch == nil)
        #expect(verdict.conflicts.isEmpty)
        #expect(verdict.notes.isEmpty, "\(verdict.notes)")
        #expect(verdict.bytes + verdict.missingBytes == Self.size)
        #expect(verdict.gaps.first?.lower == 1448)
        #expect(verdict.expectedSHA256.isEmpty)  // a sample's hash is not the file's
    }

    @Test func aByteFlippedPast4GiBIsFoundAtItsOffset() throws {
        let verdict = try transfer(corrupt: true).verify(sampled: true)
        #expect(verdict.status == .fail)
        #expect(verdict.firstMismatch?.offset == Self.corrupted)
        #expect(verdict.firstMismatch?.kind == .other)
        #expect(verdict.mismatchedBytes == 1)
    }

    @Test func marksBecomeMergedWindows() {
        let extents = TestFileSpec.extents(around: [(2 << 30) - 1, 2 << 30, 100, Self.size - 1], window: 4096, size: Self.size)
        #expect(extents == [
            ByteRange(lower: 0, upper: 4196),
            ByteRange(lower: (2 << 30) - 4097, upper: (2 << 30) + 4096),
            ByteRange(lower: Self.size - 4097, upper: Self.size),
        ])
    }
}
