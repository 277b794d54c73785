import Testing
@testable import ZclabCore

@Suite("MSG_ZEROCOPY scenarios on the reference model")
struct ZerocopyScenarioModelTests {
    func scenario(_ zerocopy: String, simulate: String = "") throws -> Scenario {
        try ScenarioParser.parse("""
            name: m
            file: {size: 1MiB}
            sender:
              method: msg-zerocopy
              zerocopy: \(zerocopy)
            \(simulate)
            expect:
              zerocopy.sends: 1
            """, path: "m.yaml")
    }

    @Test func scriptStepsBecomeSendsCompletionsAndReads() throws {
        let udp = try scenario("{socket: udp, steps: [{send: 16KiB}, {send: 0}, {send: 16KiB}, complete]}")
        let report = ZerocopyScenarioModel.predictedReport(for: udp)
        #expect(report.sends == 2)
        #expect(report.completions == [ZerocopyCompletion(lo: 0, hi: 2, code: .copied)])
        #expect(report.steps?.map(\.returned) == [16384, 0, 16384, 1])

        let shut = try scenario("{steps: [{send: 64KiB}, shutdown, {send: 64KiB}, read]}")
        let afterShutdown = ZerocopyScenarioModel.predictedReport(for: shut)
        #expect(afterShutdown.steps?[2].errno == "EPIPE")
        #expect(afterShutdown.steps?[3].ranges == "0-0c")
    }

    @Test func kernelResultsSetTheSendsOfARunOutOfRoom() throws {
        let room = try scenario("{steps: [{send_until_error: 16KiB}, complete]}")
        #expect(ZerocopyScenarioModel.limitation(of: room) != nil)
        var ran = ZerocopyStepResult(step: .sendUntilError(16 << 10))
        ran.sends = 3
        ran.errno = "ENOBUFS"
        let kernel = ZerocopyReport(
            sends: 3, notifications: [ZerocopyNotification(lo: 0, hi: 1, code: .copied, error: 0),
                                      ZerocopyNotification(lo: 2, hi: 2, code: .copied, error: 0)],
            steps: [ran, ZerocopyStepResult(step: .complete)], optmemMax: nil, memlock: nil)
        let (comparison, record) = try #require(ZerocopyScenarioModel.compare(room, kernel: kernel))
        #expect(record.predicted == "0-2c")
        #expect(comparison.coverage.isEmpty && comparison.codes.isEmpty)
        #expect(comparison.onlySplitsDiffer)
    }

    @Test func aSimulationJudgesOnlyWhatTheModelPredicts() throws {
        let wrap = try ScenarioParser.parse("""
            name: wrap
            simulate: {first_id: 4294967294, sends: 4}
            file: {size: 256KiB}
            sender: {method: msg-zerocopy, zerocopy: {read_every: 0}}
            expect:
              zerocopy.ranges: "4294967294-1"
              zerocopy.optmem_max: 131072
              wire.matches: true
            """, path: "wrap.yaml")
        var result = ScenarioResult(name: "wrap", file: "wrap.yaml", tags: [], verdict: .error, reason: "")
        ZerocopyScenarioModel.judge(wrap, into: &result)
        #expect(result.verdict == .pass)
        #expect(result.backend == "model")
        #expect(result.assertions.map(\.what) == ["zerocopy.ranges"])
        #expect(result.reason.contains("not covered by the model: zerocopy.optmem_max, wire.matches"))
    }

    @Test func everyShippedZerocopyScenarioPassesOrIsSkippedOnTheModel() throws {
        let files = try ScenarioLoader.files(in: [packageRoot() + "/scenarios/zerocopy"])
        let (scenarios, errors) = ScenarioLoader.load(files)
        #expect(errors.isEmpty)
        for scenario in scenarios {
            var result = ScenarioResult(name: scenario.name, file: scenario.path, tags: [], verdict: .error, reason: "")
            ZerocopyScenarioModel.judge(scenario, into: &result)
            #expect(result.verdict == .pass || result.verdict == .skip, "\(scenario.name): \(result.reason)")
        }
    }

    @Test func otherMethodsAreNotCovered() throws {
        let sendfile = try ScenarioParser.parse("""
            name: s
            file: {size: 1MiB}
            sender: {method: sendfile}
            expect: {wire.matches: true}
            """, path: "s.yaml")
        var result = ScenarioResult(name: "s", file: "s.yaml", tags: [], verdict: .error, reason: "")
        ZerocopyScenarioModel.judge(sendfile, into: &result)
        #expect(result.verdict == .skip)
        #expect(result.reason.contains("MSG_ZEROCOPY scenarios only"))
    }
}
