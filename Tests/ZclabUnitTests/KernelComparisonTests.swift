import Foundation
import Testing
@testable import ZclabCore

@Suite("Kernels compared")
struct KernelComparisonTests {
    func report(kernel: String, bytes: String, verdict: ScenarioResult.Verdict) -> RunReport {
        var environment = EnvironmentFingerprint.current()
        environment.kernelRelease = kernel
        var truncated = ScenarioResult(name: "sendfile-in-flight", file: "t.yaml", tags: [], verdict: verdict, reason: "")
        truncated.assertions = [
            Assertion(what: "sender.bytes", expected: "4194304", actual: bytes, ok: bytes == "4194304", kind: .behaviour),
            Assertion(what: "sender.error", expected: "none", actual: "none", ok: true),
        ]
        var plain = ScenarioResult(name: "sendfile-veth", file: "v.yaml", tags: [], verdict: .pass, reason: "")
        plain.assertions = [Assertion(what: "wire.matches", expected: "true", actual: "true", ok: true)]
        return RunReport(
            zclabVersion: "test", runID: "run-\(kernel)", startedAt: "", command: [], outputDirectory: "",
            environment: environment, scenarios: [truncated, plain])
    }

    @Test func theMatrixShowsVerdictsAndOnlyTheValuesThatDiffer() {
        let comparison = KernelComparison([
            report(kernel: "6.18.0", bytes: "4194304", verdict: .pass),
            report(kernel: "6.1.0-47-amd64", bytes: "4259840", verdict: .differs),
        ])
        #expect(comparison.columns.map(\.label) == ["6.18.0", "6.1.0-47-amd64"])
        #expect(comparison.rows.map(\.verdicts) == [[.pass, .differs], [.pass, .pass]])
        #expect(comparison.rows[0].differences == [
            KernelComparison.Difference(key: "sender.bytes", expected: "4194304", observed: ["4194304", "4259840"], met: [true, false]),
        ])
        #expect(comparison.rows[1].differences.isEmpty)
        #expect(comparison.markdown.contains("| sendfile-in-flight | `sender.bytes` | 4194304 | 4194304 | **4259840** |"))
        #expect(comparison.htmlSection.contains("<h3>Values that differ</h3>"))
    }

    @Test func twoRunsOfOneKernelAreToldApartByTheirRunID() {
        let comparison = KernelComparison([
            report(kernel: "6.18.0", bytes: "4194304", verdict: .pass),
            report(kernel: "6.18.0", bytes: "4194304", verdict: .pass),
        ])
        #expect(comparison.columns.map(\.label) == ["6.18.0 (run-6.18.0)", "6.18.0 (run-6.18.0)"])
        #expect(comparison.markdown.contains("No observed value differs"))
    }
}

@Suite("Findings by kernel")
struct FindingsByKernelTests {
    @Test func eachKernelIsAColumn() throws {
        let claim = try #require(try Findings.loadClaims("docs/claims.yaml").first)
        let reports = ["6.1.0-47-amd64", "6.18.0"].map { kernel in
            var environment = EnvironmentFingerprint.current()
            environment.kernelRelease = kernel
            return RunReport(zclabVersion: "test", runID: kernel, startedAt: "", command: [], outputDirectory: "", environment: environment)
        }
        let table = Findings.markdownByKernel([claim], reports: reports)
        #expect(table.hasPrefix("| claim | scenario | 6.1.0-47-amd64 | 6.18.0 |"))
        #expect(table.contains("| **\(claim.id)** | `\(claim.testedBy[0])` | not run | not run |"))
    }
}

@Suite("Recorded kernels")
struct RecordedKernelsTests {
    /// docs/kernels/*.json: the runs docs/kernels.md was written from.
    @Test func everyRecordedKernelHeldEveryInvariant() throws {
        let folder = "docs/kernels"
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".json") }.sorted()
        #expect(names.count >= 3)
        let reports = try names.map { try ReportFile.load("\(folder)/\($0)") }
        for report in reports {
            let invariants = report.scenarios.flatMap(\.assertions).filter { $0.kind == .invariant }
            #expect(!invariants.isEmpty && invariants.allSatisfy(\.ok), "\(report.environment.kernelRelease)")
            #expect("\(report.environment.kernelRelease).json" == names[reports.firstIndex { $0.runID == report.runID } ?? 0])
        }
        #expect(KernelComparison(reports).columns.count == names.count)
    }
}
