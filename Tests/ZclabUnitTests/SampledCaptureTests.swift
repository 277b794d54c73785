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

@Suite("Scripted sendfile calls")
struct ScriptedCallTests {
    @Test func intendedRangesFollowOffsetsAndTheFilePosition() throws {
        let scenario = try ScenarioParser.parse("""
            name: s
            file: {size: 5GiB}
            sender:
              method: sendfile
              script:
                - {offset: 2GiB-100, count: 4KiB}
                - {offset: -1, count: 4KiB}
                - {offset: 6GiB, count: 1}
                - {offset: 5GiB-10, count: 4KiB}
                - {lseek: 4GiB, count: 100}
                - {count: 100}
            expect: {wire.matches: true}
            """, path: "s.yaml")
        #expect(scenario.sentRanges == [
            ByteRange(lower: (2 << 30) - 100, upper: (2 << 30) - 100 + 4096),
            ByteRange(lower: 0, upper: 0), ByteRange(lower: 0, upper: 0),
            ByteRange(lower: (5 << 30) - 10, upper: 5 << 30),
            ByteRange(lower: 4 << 30, upper: (4 << 30) + 100),
            ByteRange(lower: (4 << 30) + 100, upper: (4 << 30) + 200),
        ])
        #expect(scenario.expectedStream.count == 4096 + 10 + 200)
        #expect(ObservationKeys.isKnown("sender.script.3.offset_after"))
        #expect(!ObservationKeys.isKnown("sender.script.x.return"))
    }

    @Test func concatenatedContentIsThePiecesInOrder() {
        let base = PatternContent(count: 1 << 20, seed: 5)
        let content = ConcatenatedContent(base: base, pieces: [
            ByteRange(lower: 1000, upper: 1010), ByteRange(lower: 0, upper: 0), ByteRange(lower: 50, upper: 55),
        ])
        var bytes = [UInt8](repeating: 0, count: 15)
        bytes.withUnsafeMutableBytes { content.fill($0, at: 0) }
        #expect(bytes == (1000 ..< 1010).map { base.pattern.byte(at: $0) } + (50 ..< 55).map { base.pattern.byte(at: $0) })
        var tail = [UInt8](repeating: 0, count: 7)
        tail.withUnsafeMutableBytes { content.fill($0, at: 8) }
        #expect(tail == [1008, 1009].map { base.pattern.byte(at: $0) } + (50 ..< 55).map { base.pattern.byte(at: $0) })
    }
}
