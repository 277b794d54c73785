import Foundation
import Testing
import ZclabCore

/// Baselines and CI outputs: a run compared with an earlier one shows exactly
/// what one changed setting changed, and the JUnit XML reads in a real consumer.
extension EndToEnd {
    @Suite("baselines and CI outputs")
    struct ReportComparisonTests {
        func realChanges(_ diff: String) -> Set<String> {
            var keys: Set<String> = []
            var inReal = false
            for line in diff.split(separator: "\n") {
                if line.hasPrefix("real changes") { inReal = true; continue }
                if !line.hasPrefix("  ") { inReal = false; continue }
                if inReal { keys.insert(String(line.split(separator: " ")[1])) }
            }
            return keys
        }

        @Test func aLowerOptmemMaxDiffsWithExactlyTheExpectedChanges() throws {
            let base = FileManager.default.temporaryDirectory.appendingPathComponent("zcl-e2e-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: base) }
            let scenario = packageRoot() + "/scenarios/zerocopy/msg-zerocopy-room-default.yaml"
            let first = try run([zclabExecutable(), "run", scenario, "--out", base + "/a"])
            #expect(first.status == 0, "\(first.output)\(first.error)")
            let again = try run([zclabExecutable(), "run", scenario, "--out", base + "/b", "--baseline", base + "/a/report.json"])
            #expect(again.status == 0, "the same run again must show no real change: \(again.error)")
            #expect(again.error.contains("result: no real change"))

            let lower = try run([
                zclabExecutable(), "run", scenario, "--out", base + "/c", "--baseline", base + "/a/report.json",
                "--namespace-sysctl", "net/core/optmem_max=8192",
            ])
            #expect(lower.status == 1)
            let diff = try String(contentsOfFile: base + "/c/baseline-diff.txt", encoding: .utf8)
            // optmem_max runs out before the send buffer: ENOBUFS instead of EAGAIN, with room left to write.
            #expect(realChanges(diff) == ["verdict", "zerocopy.optmem_max", "zerocopy.step.1.errno", "zerocopy.step.2.poll"], "\(diff)")
            #expect(diff.contains("zerocopy.step.1.errno EAGAIN -> ENOBUFS"))
            let report = try JSONDecoder().decode(RunReport.self, from: Data(contentsOf: URL(fileURLWithPath: base + "/c/report.json")))
            #expect(report.namespaceSysctls == ["net/core/optmem_max": "8192"])
            let offline = try run([zclabExecutable(), "report", "diff", base + "/a/report.json", base + "/c/report.json"])
            #expect(offline.status == 1)
            #expect(realChanges(offline.output) == realChanges(diff))
            let left = try ["a", "b", "c"].flatMap { try leftovers(ofRunIn: base + "/" + $0) }
            #expect(left.isEmpty, "left behind: \(left)")
        }

        @Test func junitReadsInJunitparser() throws {
            let base = FileManager.default.temporaryDirectory.appendingPathComponent("zcl-e2e-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: base) }
            // A pass, a simulated pass and a skip (the model does not cover sendfile).
            let result = try run([
                zclabExecutable(), "run", packageRoot() + "/scenarios/zerocopy", "--out", base, "--format", "junit",
                "--filter", "ids-sizes", "--filter", "id-wrap-read-at-end", "--filter", "sendfile-pwrite", "--backend", "model",
            ])
            #expect(result.status == 0, "\(result.output)\(result.error)")
            let file = base + "/run.xml"
            try result.output.write(toFile: file, atomically: true, encoding: .utf8)
            // Debian's python3-junitparser (scripts/setup installs it) is for Debian's own python3.
            let parsed = try run(["/usr/bin/python3", "-c", """
                import sys
                from junitparser import JUnitXml, Skipped, Failure, Error
                xml = JUnitXml.fromfile(sys.argv[1])
                cases = [case for suite in xml for case in suite]
                skipped = [case for case in cases if any(isinstance(r, Skipped) for r in case.result)]
                failed = [case for case in cases if any(isinstance(r, (Failure, Error)) for r in case.result)]
                print(len(cases), len(skipped), len(failed), skipped[0].result[0].message if skipped else "")
                """, file])
            #expect(parsed.status == 0, "junitparser: \(parsed.error)")
            #expect(parsed.output.hasPrefix("3 1 0 not covered by the model"), "\(parsed.output)")
        }
    }
}
