import Foundation
import Testing
import ZclabCore

/// One transfer past 4 GiB, as a user would run it: the receiver checks every
/// byte, the capture keeps headers and samples, and nothing large stays behind.
extension EndToEnd {
    @Suite("large files")
    struct LargeFileTests {
        @Test func fiveGiBSendfileIsCheckedWithoutKeepingTheStream() throws {
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("zcl-e2e-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: out) }
            let result = try run([
                zclabExecutable(), "run", packageRoot() + "/scenarios/large/sendfile-5gib-one-call.yaml", "--out", out, "--format", "json",
            ])
            #expect(result.status == 0, "\(result.output.suffix(2000))\n\(result.error)")
            let report = try JSONDecoder().decode(RunReport.self, from: Data(result.output.utf8))
            let scenario = try #require(report.scenarios.first)
            #expect(scenario.verdict == .pass, "\(scenario.reason)")
            #expect(scenario.observations["wire.sequence_covered"] == .number(5 << 30))
            #expect(scenario.observations["wire.marks_verified"] == .flag(true))

            // What stays: the report and small captures, nothing the size of the stream.
            let kept = try FileManager.default.subpathsOfDirectory(atPath: out).reduce(UInt64(0)) { total, name in
                let attributes = try FileManager.default.attributesOfItem(atPath: out + "/" + name)
                return total + ((attributes[.size] as? UInt64) ?? 0)
            }
            #expect(kept < 64 << 20, "\(kept) bytes kept")
            for parent in ["/dev/shm", "/var/tmp"] {
                let scratch = try FileManager.default.contentsOfDirectory(atPath: parent).filter { $0.hasPrefix("zcl") }
                #expect(scratch.isEmpty, "left in \(parent): \(scratch)")
            }
            let left = try leftovers(ofRunIn: out)
            #expect(left.isEmpty, "left behind: \(left)")
        }
    }
}
