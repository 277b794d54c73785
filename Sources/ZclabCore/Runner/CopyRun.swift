import Foundation

/// A file-to-file copy scenario: no network, one copy agent, judged on
/// its calls and on the copy read back.
extension ScenarioExecution {
    /// Copies the test file to another file with the scenario's method and
    /// judges the copy: its calls, its content, and whether holes survived.
    func performCopy(_ copy: CopySpec, into result: inout ScenarioResult) throws {
        let folder = copy.folder(runID: runner.ledger.runID)
        if !FileManager.default.fileExists(atPath: folder) {
            runner.ledger.add(.directory(folder))
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        let destination = "\(folder)/\(scenario.name).copy"
        copyPath = destination
        let config = CopyConfig(
            source: filePath, destination: destination, method: copy.method, chunk: copy.chunk, expected: scenario.file)
        let agent = try AgentProcess(
            CopyAgent.self, namespace: nil, executable: runner.executable, config: config, logPath: "\(directory)/agents.log")
        copier = agent
        let started = monotonicNanoseconds()
        let done = try waitForOutcome(agent, within: scenario.timeout)
        let seconds = Double(monotonicNanoseconds() - started) / 1e9
        result.agents = ["copier": "\(agent.stop())"]
        result.steps = runnerSteps + done.steps
        var observations = Observations()
        observations.addCalls(done.steps, actor: "copier")
        if let report = done.copy {
            result.received = report.check
            observations.addCopy(report)
        }
        result.resources = ResourceUse(
            transferSeconds: seconds, secondsPerGiB: seconds / (Double(max(scenario.file.size, 1)) / Double(1 << 30)),
            peakRSSKiB: ["runner": ResourceUse.peakRSSKiBOfThisProcess(), "copier": done.peakRSSKiB ?? 0])
        result.observations = observations.values
        result.assertions = observations.judge(scenario.expectations, dropped: 0)
    }
}
