import Foundation
import Testing
@testable import ZclabCore

@Suite("StreamVerifier")
struct StreamVerifierTests {
    @Test("hashes match known answers")
    func knownAnswers() {
        let abc = StreamVerifier(expected: LiteralContent(bytes: Array("abc".utf8)))
        Array("abc".utf8).withUnsafeBytes { abc.receive($0) }
        let result = abc.finish()
        #expect(result.matches)
        #expect(result.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(result.expectedSHA256 == result.sha256)
        let empty = StreamVerifier(expected: LiteralContent(bytes: Array("abc".utf8))).finish()
        #expect(empty.sha256 == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(empty.expectedSHA256 == result.sha256 && empty.firstMismatch?.kind == .short)
    }

    @Test("a mismatch near a chunk boundary gathers found bytes across chunks")
    func acrossChunks() throws {
        let content = PatternContent(count: 10_000, seed: 3)
        var stream = [UInt8](repeating: 0, count: 10_000)
        stream.withUnsafeMutableBytes { content.fill($0, at: 0) }
        let shifted = Array(stream[2000 ..< 2100])
        stream.replaceSubrange(4995 ..< 5095, with: shifted)
        let verifier = StreamVerifier(expected: content)
        stream.withUnsafeBytes { bytes in
            verifier.receive(UnsafeRawBufferPointer(rebasing: bytes[0 ..< 5000]))
            verifier.receive(UnsafeRawBufferPointer(rebasing: bytes[5000...]))
        }
        let result = verifier.finish()
        let mismatch = try #require(result.firstMismatch)
        #expect(mismatch.kind == .shifted && mismatch.offset == 4995 && mismatch.sourceOffset == 2000)
        #expect(mismatch.foundHex == hex(shifted.prefix(16)))
        #expect(mismatch.length == 100)
    }
}
