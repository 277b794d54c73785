import Foundation
import Testing
@testable import ZclabCore

/// How the vectored paths cut header and file into each call's iovec,
/// including after a short call: from a real file, no network.
@Suite("Vectored source")
struct VectoredSourceTests {
    @Test func headerThenFileChunksSurviveShortCalls() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("zcl-unit-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data((0 ..< 10_000).map { UInt8($0 % 251) }).write(to: URL(fileURLWithPath: path))
        let file = try FileDescriptor.open(path, .readOnly)
        defer { try? file.close() }
        var context = SendContext(channel: AgentChannel())
        var source = try VectoredSource(
            Transfer(file: file, size: 10_000, socket: file, transport: .tcp), header: 100, chunk: 4096, privateCopy: false, &context)
        defer { source.release() }
        #expect(source.nextVectors.map(\.count) == [100, 4096])
        #expect(source.nextVectors[0].elementsEqual(source.nextVectors[1].prefix(100)))  // the header is the file's first bytes
        source.advance(by: 60)  // short: inside the header
        #expect(source.nextVectors.map(\.count) == [40, 4096])
        source.advance(by: 40 + 1000)  // the header's rest and 1000 file bytes
        #expect(source.nextVectors.map(\.count) == [4096])
        #expect(source.nextVectors[0].first == UInt8(1000 % 251))
        #expect(source.lastFileRange == 0 ..< 1000)
        while !source.isDone { source.advance(by: source.nextVectors.reduce(0) { $0 + $1.count }) }
        #expect(source.lastFileRange == 9192 ..< 10_000)
        #expect(context.log.steps.map(\.call) == ["pread", "mmap"])
    }
}
