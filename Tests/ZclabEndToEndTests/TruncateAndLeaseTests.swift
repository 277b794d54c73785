import Foundation
import Testing
import ZclabCore

/// A representative subset of scenarios/truncate and scenarios/lease, run as a
/// user would, and the promise that lease-break-time comes back however a
/// run ends.
extension EndToEnd {
    @Suite("truncation and leases")
    struct TruncateAndLeaseTests {
        let leaseBreakTime = "/proc/sys/fs/lease-break-time"

        func currentLeaseBreakTime() throws -> String {
            try String(contentsOfFile: leaseBreakTime, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }

        @Test func representativeSubsetPasses() throws {
            let before = try currentLeaseBreakTime()
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("zcl-e2e-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: out) }
            let names = [
                "sendfile-in-flight", "mmap-shared-page-boundary", "read-write-hole", "splice-overwrite",
                "lease-read-rt-release-truncate", "lease-read-sigio-nothing-truncate", "lease-error-lease-on-socket",
            ]
            let result = try run(
                [zclabExecutable(), "run", packageRoot() + "/scenarios/truncate", packageRoot() + "/scenarios/lease", "--out", out, "--format", "json"]
                    + names.flatMap { ["--filter", $0] })
            #expect(result.status == 0, "\(result.output.suffix(2000))\n\(result.error)")
            let report = try JSONDecoder().decode(RunReport.self, from: Data(result.output.utf8))
            #expect(Set(report.scenarios.map(\.name)).isSuperset(of: names))  // --filter matches substrings
            for scenario in report.scenarios {
                #expect(scenario.verdict == .pass, "\(scenario.name): \(scenario.reason)")
            }
            #expect(try currentLeaseBreakTime() == before, "lease-break-time not restored")
            let left = try leftovers(ofRunIn: out)
            #expect(left.isEmpty, "left behind: \(left)")

            // The claims page can be made from this report.
            let findings = try run([zclabExecutable(), "findings", out + "/report.json"])
            #expect(findings.status == 0, "\(findings.error)")
            #expect(findings.output.contains("| **C1** | `mmap-shared-page-boundary` | does not hold |"))
        }

        @Test func killedRunsSysctlIsRestoredByClean() throws {
            let before = try currentLeaseBreakTime()
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("zcl-e2e-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: out) }
            // Killed while the breaker waits out lease-break-time (set to 1 s by the scenario).
            _ = try run(
                [zclabExecutable(), "run", packageRoot() + "/scenarios/lease", "--filter", "lease-read-sigio-nothing-truncate", "--out", out],
                interruptAfter: ({ ((try? currentLeaseBreakTime()) ?? before) == "1" }, SIGKILL))
            #expect(try currentLeaseBreakTime() == "1", "the scenario should have set lease-break-time")
            let clean = try run([zclabExecutable(), "clean"])
            #expect(clean.status == 0, "\(clean.output)\(clean.error)")
            #expect(try currentLeaseBreakTime() == before)
            let left = try zclResources()
            #expect(left.isEmpty, "left behind: \(left)")
        }
    }
}
