import Foundation
import Testing
import ZclabCore

/// The receive methods as a user runs them: every scenario of
/// scenarios/receive passes; mmap-receive maps nearly all of a page-sized
/// stream and nothing of a sendfile one; the destination races leave the
/// actor's change in the file; the machine-wide sysctl they set is back as
/// it was, and nothing is left behind.
extension EndToEnd {
    @Suite("scenarios/receive")
    struct ReceiveScenariosTests {
        @Test func receiveMethodsMapCopyAndSpliceAsTheScenariosSay() throws {
            let sysctl = "/proc/sys/net/core/high_order_alloc_disable"
            let before = try String(contentsOfFile: sysctl, encoding: .utf8)
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("zcl-e2e-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: out) }
            let result = try run([zclabExecutable(), "run", packageRoot() + "/scenarios/receive", "--out", out])
            #expect(result.status == 0, "\(result.output.suffix(2000))\n\(result.error)")
            let report = try ReportFile.load(out + "/report.json")
            #expect(report.scenarios.count >= 14)
            for scenario in report.scenarios where scenario.name != "io-uring-zcrx-veth" {
                #expect(scenario.verdict == .pass, "\(scenario.name): \(scenario.reason)")
                #expect(scenario.observations["file.intact"] == .flag(true), "\(scenario.name)")
            }
            // zcrx is probed, never run: the reason names what is missing.
            let zcrx = report.scenarios.first { $0.name == "io-uring-zcrx-veth" }
            #expect(zcrx?.verdict == .skip && zcrx?.reason.contains("zero-copy receive") == true, "\(String(describing: zcrx?.reason))")
            let byName = Dictionary(uniqueKeysWithValues: report.scenarios.map { ($0.name, $0.observations) })
            #expect(byName["mmap-receive-mss4096"]?["receiver.mapped_percent"] == .number(99) || byName["mmap-receive-mss4096"]?["receiver.mapped_percent"] == .number(100))
            #expect(byName["mmap-receive-from-sendfile"]?["receiver.mapped_bytes"] == .number(0))
            #expect(byName["splice-to-file-truncate-while-blocked"]?["receiver.first_mismatch_kind"] == .text("zeros"))
            #expect(byName["sendfile-to-splice-file"]?["receiver.matches"] == .flag(true))
            #expect(try String(contentsOfFile: sysctl, encoding: .utf8) == before)
            #expect(try leftovers(ofRunIn: out).isEmpty)
        }
    }
}
