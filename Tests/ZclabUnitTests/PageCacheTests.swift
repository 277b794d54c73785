import Foundation
import Testing
@testable import ZclabCore

/// The page-cache verdict: what the test file must hold after a scenario,
/// and the file read back against it.
@Suite("Page-cache integrity")
struct PageCacheTests {
    /// A scenario whose receiver pauses, `changes` happen (each after the
    /// one before, the first once the receiver paused), and the receiver reads on.
    static func scenario(changes: [String] = []) throws -> Scenario {
        let steps = changes.enumerated().map { index, change in
            "  - when: \(index == 0 ? "receiver.paused" : "previous.done")\n    \(change)\n"
        }.joined()
        let resume = "  - when: \(changes.isEmpty ? "receiver.paused" : "previous.done")\n    do: resume-receiver\n"
        return try ScenarioParser.parse("""
            name: t
            file: {size: 64KiB, seed: 5}
            sender: {method: sendfile}
            receiver: {pause_after: 4KiB}
            actions:

            """ + steps + resume + "expect: {wire.matches: true}\n", path: "t.yaml")
    }

    /// Bytes `range` of `content`.
    static func bytes(_ content: any ExpectedContent, _ range: Range<UInt64>) -> [UInt8] {
        var buffer = [UInt8](repeating: 0xAA, count: Int(range.count))
        buffer.withUnsafeMutableBytes { content.fill($0, at: range.lowerBound) }
        return buffer
    }

    @Test func withoutChangesTheFileIsTheOriginal() throws {
        let scenario = try Self.scenario()
        let after = FileAfterChanges(scenario)
        #expect(after.count == 64 << 10)
        #expect(Self.bytes(after, 0..<4096) == Self.bytes(scenario.file.content, 0..<4096))
    }

    /// Truncated, then overwritten past the new end: the bytes between are zeros, the overwrite its pattern.
    @Test func changesApplyInOrder() throws {
        let scenario = try Self.scenario(changes: [
            "do: truncate\n    to: 8KiB", "do: overwrite\n    offset: 16KiB\n    length: 4KiB\n    seed: 9",
        ])
        let after = FileAfterChanges(scenario)
        #expect(after.count == 20 << 10)
        #expect(Self.bytes(after, 0..<8192) == Self.bytes(scenario.file.content, 0..<8192))
        #expect(Self.bytes(after, 8192..<16384) == [UInt8](repeating: 0, count: 8192))
        #expect(Self.bytes(after, 16384..<20480) == Self.bytes(PatternContent(count: 20480, seed: 9), 16384..<20480))
    }

    @Test func anOTruncOpenEmptiesIt() throws {
        let scenario = try Self.scenario(changes: ["do: open\n    flags: [O_WRONLY, O_TRUNC]"])
        #expect(FileAfterChanges(scenario).count == 0)
    }

    /// A file changed behind the scenario's back is found, at its offset.
    @Test func aChangedFileIsFound() throws {
        let scenario = try Self.scenario()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("zcl-unit-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try scenario.file.create(at: path)
        #expect(try FileReadBack.compare(path, with: FileAfterChanges(scenario)).firstMismatch == nil)

        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seek(toOffset: 12345)
        handle.write(Data([0x55, 0x55, 0x55, 0x55]))
        try handle.close()
        var observations = Observations()
        observations.addPageCache(try FileReadBack.compare(path, with: FileAfterChanges(scenario)))
        #expect(observations.values["file.intact"] == .flag(false))
        #expect(observations.values["file.first_mismatch"] == .number(12345))
        let broken = Invariant.check(observations.values, for: scenario).first { $0.what == "invariant.page_cache_intact" }
        #expect(broken?.ok == false)
        #expect(broken?.note?.contains("page cache") == true)
    }
}
