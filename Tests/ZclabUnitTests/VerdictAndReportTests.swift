import Foundation
import Testing
@testable import ZclabCore

@Suite("Verdicts and reports")
struct VerdictAndReportTests {
    func step(_ call: String, _ returned: Int64?, errno: String? = nil, calls: Int = 1) -> SyscallStep {
        SyscallStep(actor: "sender", call: call, arguments: "", calls: calls, returned: returned,
                    returnMin: returned, returnMax: returned, errno: errno, signal: nil, durationNs: 10)
    }

    @Test func matchers() {
        #expect(Matcher.equals(.number(5)).accepts(.number(5)))
        #expect(!Matcher.equals(.number(5)).accepts(.text("5")))
        #expect(Matcher.range(min: 1, max: 10).accepts(.number(10)))
        #expect(!Matcher.range(min: 1, max: nil).accepts(.number(0)))
        #expect(Matcher.oneOf([.text("EPIPE"), .text("none")]).accepts(.text("none")))
    }

    @Test func syscallLogMergesRunsOfTheSameOutcome() throws {
        var log = SyscallLog(actor: "sender")
        for size in [100, 200, 50] { _ = try log.record("write", "count=\(size)") { () throws(Errno) in size } }
        _ = try? log.record("write", "count=1") { () throws(Errno) -> Int in throw Errno(EPIPE) }
        #expect(log.steps.count == 2)
        #expect(log.steps[0].calls == 3)
        #expect(log.steps[0].returned == 350)
        #expect(log.steps[0].returnMin == 50)
        #expect(log.steps[0].returnMax == 200)
        #expect(log.steps[1].errno == "EPIPE")
        #expect(log.steps[1].returned == nil)
    }

    @Test func observationsFromSteps() {
        let steps = [step("sendfile", 200), step("sendfile", 100), step("sendfile", nil, errno: "EPIPE")]
        let done = AgentOutcome(steps: steps, result: .sender(SenderResult(bytes: 300, failure: "EPIPE (Broken pipe)")))  // it stopped on it
        var observations = Observations()
        observations.addSender(termination: .exited(0), done: done, blockedIn: nil)
        #expect(observations.values["sender.sendfile.calls"] == .number(3))
        #expect(observations.values["sender.sendfile.return_total"] == .number(300))
        #expect(observations.values["sender.sendfile.return_max"] == .number(200))
        #expect(observations.values["sender.sendfile.errno"] == .text("EPIPE"))
        #expect(observations.values["sender.error"] == .text("EPIPE"))
        #expect(observations.values["sender.exit"] == .number(0))

        let retried = AgentOutcome(steps: steps, result: .sender(SenderResult(bytes: 300)))  // an errno retried past is no error of the transfer
        var carriedOn = Observations()
        carriedOn.addSender(termination: .exited(0), done: retried, blockedIn: nil)
        #expect(carriedOn.values["sender.error"] == .text("none"))
        #expect(carriedOn.values["sender.sendfile.errno"] == .text("EPIPE"))

        var killed = Observations()
        killed.addSender(termination: .signaled(SIGBUS), done: nil, blockedIn: "write")
        #expect(killed.values["sender.exit"] == .text("SIGBUS"))
        #expect(killed.values["sender.blocked_in"] == .text("write"))
    }

    @Test func drops() {
        var observations = Observations()
        observations.values["wire.matches"] = .flag(true)
        let expectations = [Expectation(key: "wire.matches", matcher: .equals(.flag(true)), line: 1)]
        #expect(observations.judge(expectations, dropped: 0).allSatisfy { $0.ok })
        let judged = observations.judge(expectations, dropped: 3)
        #expect(!judged[0].ok)
        #expect(judged[0].note?.contains("dropped 3") == true)
        let missing = observations.judge([Expectation(key: "wire.bytes", matcher: .equals(.number(1)), line: 1)], dropped: 0)
        #expect(!missing[0].ok && missing[0].actual == "nothing")
    }

    func sampleReport() -> RunReport {
        let environment = EnvironmentFingerprint(
            kernelRelease: "6.18", kernelVersion: "#1", machine: "x86_64", libpcapVersion: "libpcap 1.10",
            sysctls: ["/proc/sys/net/core/optmem_max": "20480"], rlimitMemlock: "8388608", euid: 0, capabilities: ["root": "ok"])
        var passed = ScenarioResult(name: "a", file: "scenarios/a.yaml", tags: ["basic"], verdict: .pass, reason: "")
        passed.steps = [step("sendfile", 4096)]
        passed.assertions = [Assertion(what: "wire.matches", expected: "true", actual: "true", ok: true, note: nil)]
        let failed = ScenarioResult(name: "b<&>", file: "scenarios/b.yaml", tags: [], verdict: .fail, reason: "wire.matches: expected true, got false")
        let skipped = ScenarioResult(name: "c", file: "scenarios/c.yaml", tags: [], verdict: .skip, reason: "not root")
        return RunReport(zclabVersion: "0.1.0", runID: "20261126-000000-abcdef", startedAt: "2026-11-26T00:00:00Z",
                         command: ["zclab", "run"], outputDirectory: "captures/x", environment: environment,
                         scenarios: [passed, failed, skipped])
    }

    @Test func jsonRoundTripsWithTheDocumentedKeys() throws {
        let report = sampleReport()
        let text = ReportFormat.json.render(report)
        for key in ["\"zclab_version\"", "\"run_id\"", "\"started_at\"", "\"environment\"", "\"kernel_release\"",
                    "\"libpcap_version\"", "\"rlimit_memlock\"", "\"scenarios\"", "\"verdict\"", "\"steps\"",
                    "\"duration_ns\"", "\"return\"", "\"assertions\"", "\"summary\""] {
            #expect(text.contains(key), "missing \(key)")
        }
        let decoded = try JSONDecoder().decode(RunReport.self, from: Data(text.utf8))
        #expect(decoded.scenarios.map(\.verdict) == [.pass, .fail, .skip])
        #expect(decoded.scenarios[0].steps == report.scenarios[0].steps)
    }

    @Test func tapAndJUnit() {
        let report = sampleReport()
        let tap = ReportFormat.tap.render(report)
        #expect(tap.hasPrefix("TAP version 13\n1..3\nok 1 - a\nnot ok 2 - b<&>\n"))
        #expect(tap.contains("ok 3 - c # SKIP not root"))
        let junit = ReportFormat.junit.render(report)
        #expect(junit.contains(#"tests="3" failures="1" errors="0" skipped="1""#))
        #expect(junit.contains(#"name="b&lt;&amp;&gt;""#))
        #expect(junit.contains("<skipped message=\"not root\"/>"))
    }

    @Test func exitStatus() {
        var report = sampleReport()
        #expect(report.exitStatus == 1)
        report.scenarios = [report.scenarios[2]]
        #expect(report.exitStatus == 4)
        report.scenarios = []
        #expect(report.exitStatus == 0)
    }
}

@Suite("MSG_ZEROCOPY completions")
struct ZerocopyReportTests {
    func note(_ lo: UInt32, _ hi: UInt32) -> ZerocopyNotification {
        ZerocopyNotification(lo: lo, hi: hi, code: .copied, error: 0)
    }

    @Test func idsMustBeCoveredOnceInOrderFromZero() {
        #expect(ZerocopyReport(sends: 10, notifications: [note(0, 3), note(4, 4), note(5, 9)]).idsComplete)
        #expect(!ZerocopyReport(sends: 10, notifications: [note(0, 3), note(5, 9)]).idsComplete)      // a gap
        #expect(!ZerocopyReport(sends: 10, notifications: [note(0, 5), note(5, 9)]).idsComplete)      // 5 twice
        #expect(!ZerocopyReport(sends: 10, notifications: [note(1, 9)]).idsComplete)                  // not from 0
        #expect(!ZerocopyReport(sends: 10, notifications: [note(0, 8)]).idsComplete)                  // one missing
        #expect(ZerocopyReport(sends: 0, notifications: []).idsComplete)
    }

    @Test func observations() {
        let report = ZerocopyReport(sends: 4, notifications: [note(0, 1), ZerocopyNotification(lo: 2, hi: 3, code: .zerocopy, error: 0)])
        let done = AgentOutcome(steps: [], result: .sender(SenderResult(bytes: 0, path: .zerocopy(report))))
        var observations = Observations()
        observations.addSender(termination: .exited(0), done: done, blockedIn: nil)
        #expect(observations.values["zerocopy.ids_complete"] == .flag(true))
        #expect(observations.values["zerocopy.copied_notifications"] == .number(1))
        #expect(observations.values["zerocopy.zerocopy_notifications"] == .number(1))
        #expect(observations.values["zerocopy.first_id"] == .number(0))
    }
}

@Suite("Comparing reports")
struct ReportDiffTests {
    func run(_ observations: [String: ObservedValue], verdict: ScenarioResult.Verdict = .pass) -> RunReport {
        var scenario = ScenarioResult(name: "s", file: "s.yaml", tags: [], verdict: verdict, reason: "")
        scenario.scenarioText = """
            name: s
            file: {size: 1MiB}
            sender: {method: sendfile}
            expect:
              sender.bytes: 1MiB
              zerocopy.notifications: {min: 1, max: 256}
            """
        scenario.observations = observations
        let environment = EnvironmentFingerprint(
            kernelRelease: "6.18", kernelVersion: "", machine: "x86_64", libpcapVersion: "", sysctls: [:],
            rlimitMemlock: "", euid: 0, capabilities: [:])
        return RunReport(zclabVersion: "0", runID: "r", startedAt: "", command: [], outputDirectory: "", environment: environment,
                         scenarios: [scenario])
    }

    @Test func changesAreClassifiedByTheScenariosExpectations() {
        let old = run(["sender.bytes": .number(1 << 20), "zerocopy.notifications": .number(30), "receiver.read.calls": .number(5)])
        let same = ReportTools.diff(old, old)
        #expect(same.isEmpty)
        let new = run(["sender.bytes": .number(4096), "zerocopy.notifications": .number(41), "receiver.read.calls": .number(6)])
        let changes = ReportTools.diff(old, new)
        #expect(changes.first { $0.key == "sender.bytes" }?.kind == .real)
        #expect(changes.first { $0.key == "zerocopy.notifications" }?.kind == .varying)
        #expect(changes.first { $0.key == "receiver.read.calls" }?.kind == .unjudged)
        #expect(ReportTools.describe(changes).hasSuffix("result: real change\n"))
    }

    @Test func aVerdictChangeIsReal() {
        let changes = ReportTools.diff(run([:]), run([:], verdict: .fail))
        #expect(changes.map(\.key) == ["verdict"])
        #expect(changes.first?.kind == .real)
    }
}
