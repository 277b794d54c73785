import Foundation

/// A file-to-file copy scenario: no network, one copy agent, judged on
/// its calls and on the copy read back.
enum CopyRun {
    /// Copies the test file to another file with the scenario's method and
    /// judges the copy: its calls, its content, and whether holes survived.
    static func perform(_ copy: CopySpec, _ context: inout ScenarioContext, into result: inout ScenarioResult) throws {
        let scenario = context.scenario
        let runID = context.runner.ledger.runID, folder = copy.folder(runID: runID)
        if !FileManager.default.fileExists(atPath: folder) {
            context.runner.ledger.add(.directory(folder))
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        let destination = ScenarioPaths.copy(copy, of: scenario, runID: runID)
        let config = CopyConfig(
            source: context.paths.file, destination: destination, method: copy.method, chunk: copy.chunk, expected: scenario.file)
        let agent = context.processes.add(try AgentProcess(
            CopyAgent.self, place: .current, executable: context.runner.executable, config: config, logPath: context.paths.agentsLog))
        let started = monotonicNanoseconds()
        let done = try context.waitForOutcome(agent, within: scenario.timeout)
        let seconds = Double(monotonicNanoseconds() - started) / 1e9
        result.agents = ["copier": "\(agent.stop())"]
        result.steps = context.steps + done.steps
        var observations = Observations()
        observations.addCalls(done.steps, actor: "copier")
        if let report = done.copy {
            result.received = report.check
            observations.addCopy(report)
        }
        observations.addPageCache(try context.readBackTestFile(at: .current))
        result.resources = ResourceUse(
            transferSeconds: seconds, secondsPerGiB: seconds / (Double(max(scenario.file.size, 1)) / Double(1 << 30)),
            peakRSSKiB: ["runner": ResourceUse.peakRSSKiBOfThisProcess(), "copier": done.peakRSSKiB ?? 0])
        result.observations = observations.values
        result.assertions = observations.judge(scenario.expectations, dropped: 0)
    }
}
