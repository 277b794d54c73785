import Foundation
import Testing
import ZclabCore

/// A representative subset of scenarios/offload: the device features zclab
/// changes come back, and the report shows the matrix.
extension EndToEnd {
    @Suite("offload matrix")
    struct OffloadTests {
        @Test func featuresAreRestoredAndTheMatrixIsShown() throws {
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("zcl-e2e-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: out) }
            let names = ["sg-off-msg-zerocopy-mtu1500", "tx-csum-off-sendfile-mtu9000", "defaults-sendfile-mtu1500-tap-sender", "header-cork"]
            let result = try run(
                [zclabExecutable(), "run", packageRoot() + "/scenarios/offload", "--out", out, "--format", "json"]
                    + names.flatMap { ["--filter", $0] })
            #expect(result.status == 0, "\(result.output.suffix(2000))\n\(result.error)")
            let report = try JSONDecoder().decode(RunReport.self, from: Data(result.output.utf8))
            #expect(Set(report.scenarios.map(\.name)).isSuperset(of: names))
            for scenario in report.scenarios {
                #expect(scenario.verdict == .pass, "\(scenario.name): \(scenario.reason)")
                // Every feature read back after the restore is what it was before.
                for change in scenario.topology?.featureChanges ?? [] {
                    #expect(change.restored == change.before, "\(scenario.name): \(change.interface) \(change.feature)")
                }
            }
            let changes = report.scenarios.flatMap { $0.topology?.featureChanges ?? [] }
            #expect(changes.contains { $0.feature == "tx-tcp-segmentation" && $0.dragged && $0.after == "off" })
            let markdown = try String(contentsOfFile: out + "/report.md", encoding: .utf8)
            #expect(markdown.contains("## Offload matrix"))
            #expect(markdown.contains("| sendfile; MTU 1500; sender gso off, tso off; 200-byte header, TCP_CORK | receiver |"))
            #expect(OffloadMatrix(report).rows.count == report.scenarios.count)
            let left = try leftovers(ofRunIn: out)
            #expect(left.isEmpty, "left behind: \(left)")
        }
    }
}
