/// A pipe scenario: no network, one pipe agent on the test file, judged on
/// its calls, on what the pipes gave back, and on the file read back.
enum PipeRun {
    /// Runs the steps in a pipe agent and judges them: the Dirty Pipe class
    /// shows as a file that changed, or a pipe that gave back other bytes.
    static func perform(_ pipe: PipeSpec, _ context: inout ScenarioContext, into result: inout ScenarioResult) throws {
        let config = PipeConfig(file: context.paths.file, content: context.scenario.file, steps: pipe.steps)
        let done = try LocalAgentRun.run(PipeAgent.self, actor: "pipe", config: config, &context, into: &result)
        var observations = Observations()
        if let report = done.pipe { observations.addPipe(report) }
        try LocalAgentRun.judge(observations, done, actor: "pipe", context, into: &result)
    }
}
