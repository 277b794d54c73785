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
        let done = try LocalAgentRun.run(CopyAgent.self, actor: "copier", config: config, &context, into: &result)
        var observations = Observations()
        if let report = done.copy {
            result.received = report.check
            observations.addCopy(report)
        }
        try LocalAgentRun.judge(observations, done, actor: "copier", context, into: &result)
    }
}
