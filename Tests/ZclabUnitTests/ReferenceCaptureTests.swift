import Foundation
import Testing
@testable import ZclabCore

/// The wire engine on a capture the kernel made (captures/reference): TSO
/// frames of several segments, a real handshake, ACKs in the other direction.
@Suite("Reference capture")
struct ReferenceCaptureTests {
    let path = packageRoot() + "/captures/reference/sendfile-veth-256k-seed42.pcap"
    let content = PatternContent(count: 256 << 10, seed: 42)

    @Test func passesAgainstItsFile() throws {
        let verdict = try WireVerifier.verify(capture: path, flow: .busiest, expected: content)
        #expect(verdict.status == .pass)
        #expect(verdict.bytes == 256 << 10)
        #expect(verdict.flow?.hasSuffix("> 192.0.2.2:5001") == true)
        #expect(verdict.sha256 == verdict.expectedSHA256)
        #expect(try WireVerifier.verify(capture: path, flow: .port(5001), expected: content) == verdict)
    }

    @Test func anotherSeedFailsAtTheFirstByte() throws {
        let verdict = try WireVerifier.verify(capture: path, flow: .busiest, expected: PatternContent(count: 256 << 10, seed: 43))
        #expect(verdict.status == .fail)
        #expect(verdict.firstMismatch?.offset == 0)
        #expect(verdict.firstMismatch?.kind == .other)
    }

    /// Zeroes 16 bytes of one frame's payload in a copy of the capture: the
    /// verdict must name that exact stream offset and say zeros.
    @Test(arguments: [UInt64(100_000), 7, 262_000])
    func corruptedCopyFailsAtTheOffset(offset: UInt64) throws {
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        var needle = [UInt8](repeating: 0, count: 16)
        needle.withUnsafeMutableBytes { content.fill($0, at: offset) }
        let at = try #require(firstIndex(of: needle, in: bytes))
        for index in at ..< at + 16 { bytes[index] = 0 }
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("zcl-ref-\(UUID().uuidString).pcap")
        try Data(bytes).write(to: copy)
        defer { try? FileManager.default.removeItem(at: copy) }

        let verdict = try WireVerifier.verify(capture: copy.path, flow: .busiest, expected: content)
        #expect(verdict.status == .fail)
        #expect(verdict.firstMismatch?.offset == offset)
        #expect(verdict.firstMismatch?.kind == .zeros)
        #expect(verdict.mismatchedBytes <= 16)
    }

    @Test func aCutFileIsAnErrorNamingThePath() throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("zcl-cut-\(UUID().uuidString).pcap")
        try bytes.prefix(12).write(to: copy)
        defer { try? FileManager.default.removeItem(at: copy) }
        #expect {
            try WireVerifier.verify(capture: copy.path, flow: .busiest, expected: content)
        } throws: { error in
            "\(error)".contains(copy.path)
        }
    }

    private func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0 ... haystack.count - needle.count where haystack[start] == needle[0] {
            if Array(haystack[start ..< start + needle.count]) == needle { return start }
        }
        return nil
    }
}

/// The altered reference captures and the verdicts captures/reference/README.md promises.
@Suite("Reference captures with known verdicts")
struct AlteredReferenceCaptureTests {
    let content = PatternContent(count: 256 << 10, seed: 42)
    let folder = packageRoot() + "/captures/reference/"

    @Test func aRetransmissionPasses() throws {
        let verdict = try WireVerifier.verify(
            capture: folder + "sendfile-veth-256k-seed42-retransmission.pcap", flow: .busiest, expected: content)
        #expect(verdict.status == .pass)
        #expect(verdict.retransmittedBytes == 14_480)
        #expect(verdict.conflicts.isEmpty)
    }

    @Test func aFlippedByteFailsAtItsOffset() throws {
        let verdict = try WireVerifier.verify(
            capture: folder + "sendfile-veth-256k-seed42-mismatch.pcap", flow: .busiest, expected: content)
        #expect(verdict.status == .fail)
        #expect(verdict.firstMismatch?.offset == 29_060)
        #expect(verdict.firstMismatch?.kind == .other)
        #expect(verdict.mismatchedBytes == 1)
    }
}
