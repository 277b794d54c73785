import Foundation
import Testing
@testable import ZclabCore

/// What makes zclab fit for running after every kernel build: the default
/// set, where an installed binary finds its files, keeping captures small,
/// pruning old runs, and reports that read right.
@Suite("Daily use")
struct DailyUseTests {
    func scenario(_ name: String, tags: [String]) throws -> Scenario {
        try ScenarioParser.parse("name: \(name)\ntags: [\(tags.joined(separator: ", "))]\nfile: {size: 4KiB}\nsender: {method: sendfile}\nexpect: {wire.matches: true}\n", path: "\(name).yaml")
    }

    @Test func theDefaultSetIsWhatRunRunsWhenToldNothing() throws {
        let all = [try scenario("a", tags: ["basic", "default"]), try scenario("b", tags: ["basic"]), try scenario("c-sendfile", tags: ["default"])]
        #expect(DefaultSet.select(all, filters: [], pathsNamed: false, all: false).map(\.name) == ["a", "c-sendfile"])
        #expect(DefaultSet.select(all, filters: [], pathsNamed: false, all: true).map(\.name) == ["a", "b", "c-sendfile"])
        #expect(DefaultSet.select(all, filters: [], pathsNamed: true, all: false).map(\.name) == ["a", "b", "c-sendfile"])
        // A filter reaches every scenario, in the default set or not.
        #expect(DefaultSet.select(all, filters: ["basic"], pathsNamed: false, all: false).map(\.name) == ["a", "b"])
    }

    @Test func theShippedDefaultSetShowsEveryFamily() throws {
        let root = packageRoot() + "/scenarios"
        let (scenarios, errors) = ScenarioLoader.load(try ScenarioLoader.files(in: [root]))
        #expect(errors.isEmpty)
        let chosen = scenarios.filter(DefaultSet.contains)
        let families = Set(chosen.map { $0.path.dropFirst(root.count + 1).split(separator: "/")[0] })
        #expect(families == ["basic", "truncate", "lease", "large", "zerocopy", "offload", "programs", "hazards", "receive"])
        #expect(chosen.count < scenarios.count / 2, "\(chosen.count) of \(scenarios.count) in the default set")
    }

    @Test func anInstalledOrBuiltBinaryFindsItsFiles() {
        let installed: Set = ["/opt/zcl/share/zclab/scenarios"]
        let atPrefix = Installation.locate(executable: "/opt/zcl/bin/zclab", fileExists: installed.contains)
        #expect(atPrefix == Installation(layout: .installed(prefix: "/opt/zcl")))
        #expect(atPrefix?.scenarios == "/opt/zcl/share/zclab/scenarios")
        #expect(atPrefix?.claims == "/opt/zcl/share/doc/zclab/claims.yaml")
        #expect(atPrefix?.runsFolder(environment: ["XDG_STATE_HOME": "/var/state", "HOME": "/root"]) == "/var/state/zclab/runs")
        #expect(atPrefix?.runsFolder(environment: ["HOME": "/home/k"]) == "/home/k/.local/state/zclab/runs")

        let checkout: Set = ["/src/zclab/Package.swift", "/src/zclab/scenarios"]
        let built = Installation.locate(executable: "/src/zclab/.build/x86_64-unknown-linux-gnu/debug/zclab", fileExists: checkout.contains)
        #expect(built == Installation(layout: .checkout(root: "/src/zclab")))
        #expect(built?.scenarios == "/src/zclab/scenarios")
        #expect(built?.runsFolder() == "/src/zclab/captures")
        #expect(Installation.locate(executable: "/tmp/zclab", fileExists: { _ in false }) == nil)
    }

    @Test func retentionKeepsWhatAUserNeeds() {
        let limits = CaptureRetention.Limits()
        let useful = CaptureRetention.useful
        #expect(useful.decide(verdict: .fail, differsAsExpected: false, bytes: 1 << 30, keptSoFar: 0) == .keep)
        #expect(useful.decide(verdict: .error, differsAsExpected: false, bytes: 1 << 30, keptSoFar: limits.budget) == .keep)
        #expect(useful.decide(verdict: .pass, differsAsExpected: false, bytes: limits.small, keptSoFar: 0) == .keep)
        #expect(useful.decide(verdict: .pass, differsAsExpected: false, bytes: limits.small + 1, keptSoFar: 0) != .keep)
        #expect(useful.decide(verdict: .pass, differsAsExpected: true, bytes: limits.small + 1, keptSoFar: 0) == .keep)
        #expect(useful.decide(verdict: .pass, differsAsExpected: true, bytes: limits.telling + 1, keptSoFar: 0) != .keep)
        #expect(useful.decide(verdict: .pass, differsAsExpected: false, bytes: 1000, keptSoFar: limits.budget - 999) != .keep)
        #expect(CaptureRetention.all.decide(verdict: .pass, differsAsExpected: false, bytes: 1 << 40, keptSoFar: 1 << 40) == .keep)
        #expect(CaptureRetention.failed.decide(verdict: .pass, differsAsExpected: true, bytes: 1, keptSoFar: 0) != .keep)
        #expect(CaptureRetention.failed.decide(verdict: .fail, differsAsExpected: false, bytes: 1 << 30, keptSoFar: 0) == .keep)
        #expect(CaptureRetention.none.decide(verdict: .fail, differsAsExpected: false, bytes: 1, keptSoFar: 0) != .keep)
    }

    func temporaryFolder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("zcl-unit-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func capture(_ path: String, side: String) -> CaptureRecord {
        CaptureRecord(side: side, path: path, sha256: String(repeating: "0", count: 64), interface: "zcl0", packets: 1, dropped: 0, interfaceDropped: 0, snaplen: 128)
    }

    @Test func aDroppedCaptureIsDeletedAndRecordedAndVerifySaysSo() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var result = ScenarioResult(name: "big", file: "big.yaml", tags: [], verdict: .pass, reason: "")
        for side in ["receiver", "receiver-marks"] {
            try Data(count: 3000).write(to: URL(fileURLWithPath: "\(folder)/\(side).pcap"))
            result.captures.append(capture("\(folder)/\(side).pcap", side: side))
        }
        var limits = CaptureRetention.Limits()
        limits.small = 5000
        let kept = CaptureRetention.useful.apply(to: &result, keptSoFar: 0, limits: limits)
        #expect(kept == 0)
        #expect(result.captures.allSatisfy { $0.sizeBytes == 3000 && $0.notKept?.contains("--keep-captures useful") == true })
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/receiver.pcap"))
        #expect(!FileManager.default.fileExists(atPath: "\(folder)/receiver-marks.pcap"))

        // The report says so, and verify does not pass it silently.
        var report = VerdictAndReportTests().sampleReport()
        report.scenarios = [result]
        let decoded = try JSONDecoder().decode(RunReport.self, from: Data(ReportFormat.json.render(report).utf8))
        #expect(decoded.scenarios[0].captures[0].notKept == result.captures[0].notKept)
        #expect(ReportFormat.json.render(report).contains("\"not_kept\""))
        let checks = ReportTools.verify(decoded)
        #expect(checks.count == 1)
        #expect(checks[0].outcome == .notKept && !checks[0].ok)
        #expect(checks[0].detail.hasPrefix("not re-checked: the capture was not kept (5.9 KiB, --keep-captures useful"))
    }

    @Test func aKeptCaptureCountsAgainstTheBudget() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Data(count: 700).write(to: URL(fileURLWithPath: "\(folder)/receiver.pcap"))
        var result = ScenarioResult(name: "small", file: "small.yaml", tags: [], verdict: .pass, reason: "")
        result.captures = [capture("\(folder)/receiver.pcap", side: "receiver")]
        #expect(CaptureRetention.useful.apply(to: &result, keptSoFar: 0) == 700)
        #expect(result.captures[0].notKept == nil && result.captures[0].sizeBytes == 700)
        #expect(FileManager.default.fileExists(atPath: "\(folder)/receiver.pcap"))
    }

    @Test func pruneActsOnlyOnZclabRuns() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var report = VerdictAndReportTests().sampleReport()
        for (id, started) in [("run-b", "2026-11-20T00:00:00Z"), ("run-a", "2026-11-10T00:00:00Z"), ("run-c", "2026-11-29T00:00:00Z")] {
            report.runID = id
            report.startedAt = started
            try FileManager.default.createDirectory(atPath: "\(folder)/\(id)", withIntermediateDirectories: true)
            try ReportFormat.json.render(report).write(toFile: "\(folder)/\(id)/report.json", atomically: true, encoding: .utf8)
        }
        // Not runs: a folder without a report, one whose report.json is something else, a file.
        try FileManager.default.createDirectory(atPath: "\(folder)/reference", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "\(folder)/other", withIntermediateDirectories: true)
        try #"{"name": "not zclab"}"#.write(toFile: "\(folder)/other/report.json", atomically: true, encoding: .utf8)
        try "notes".write(toFile: "\(folder)/README.md", atomically: true, encoding: .utf8)

        let runs = RunPruning.runs(in: folder)
        #expect(runs.map(\.runID) == ["run-a", "run-b", "run-c"])
        #expect(RunPruning.chosen(runs, by: .keepNewest(1)).map(\.runID) == ["run-a", "run-b"])
        #expect(RunPruning.chosen(runs, by: .keepNewest(5)).isEmpty)
        #expect(RunPruning.chosen(runs, by: .keepNewest(0)).count == 3)
        let now = try #require(ISO8601DateFormatter().date(from: "2026-11-30T00:00:00Z"))
        #expect(RunPruning.chosen(runs, by: .olderThan(14 * 86_400), now: now).map(\.runID) == ["run-a"])
    }

    /// A passing scenario whose wire differs as it expects, from the reference capture with one flipped byte.
    func expectedMismatchReport() throws -> RunReport {
        let wire = try WireVerifier.verify(
            capture: packageRoot() + "/captures/reference/sendfile-veth-256k-seed42-mismatch.pcap", flow: .busiest,
            expected: PatternContent(count: 256 << 10, seed: 42))
        var report = VerdictAndReportTests().sampleReport()
        var rewritten = ScenarioResult(name: "rewritten", file: "scenarios/rewritten.yaml", tags: [], verdict: .pass, reason: "")
        rewritten.wire = wire
        rewritten.received = StreamCheck(bytes: 256 << 10, sha256: "", expectedBytes: 256 << 10, matches: false, firstMismatch: nil)
        rewritten.assertions = [Assertion(what: "wire.first_mismatch", expected: "29060", actual: "29060", ok: true, note: nil)]
        report.scenarios = [rewritten]
        return report
    }

    @Test func aWireThatDiffersAsExpectedDoesNotReadAsAFailure() throws {
        let report = try expectedMismatchReport()
        let said = "differs as expected: 29060, other"
        let text = ReportFormat.text.render(report)
        #expect(text.contains("PASS    rewritten") && text.contains("wire \(said)"), "\(text)")
        #expect(!text.contains("wire fail") && !text.contains("FAIL"))
        let markdown = ReportFormat.markdown.render(report)
        #expect(markdown.contains("| pass | rewritten | \(said), 256 KiB | differs as expected, 256 KiB |"), "\(markdown)")
        #expect(!markdown.contains("wire fail") && !markdown.contains("MISMATCH"))
        let page = ReportFormat.html.render(report)
        #expect(page.contains("<span class=\"as-expected\">\(said), 256 KiB</span>"))
        #expect(!page.contains("class=\"verdict fail\"") && !page.contains("wire fail") && !page.contains("NOT"))
        #expect(page.contains("<span class=\"verdict none\">0 fail</span>"))
        // The kind is the one the scenario judged, when it has one.
        var judged = report
        judged.scenarios[0].observations["wire.first_mismatch_kind"] = .text("new")
        #expect(ReportFormat.text.render(judged).contains("wire differs as expected: 29060, new, 256 KiB"))
        // A failing scenario with the same wire still says fail.
        var failing = report
        failing.scenarios[0].verdict = .fail
        #expect(ReportFormat.text.render(failing).contains("wire fail, 256 KiB"))
        #expect(ReportFormat.markdown.render(failing).contains("MISMATCH"))
    }

    @Test func transferProgressShowsBytesAndRate() {
        #expect(ProgressReporter.transfer("large", received: 3 << 29, of: 5 << 30, seconds: 2) == "large: received 1.5 GiB of 5.0 GiB, 768.0 MiB/s")
        #expect(ProgressReporter.transfer("small", received: 512, of: 4096, seconds: 0) == "small: received 512 bytes of 4.0 KiB")
    }
}
