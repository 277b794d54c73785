import Foundation

/// What the workloads without a network (a copy, a pipe) share: one agent
/// on this host, run to its end and judged on its calls, on what the
/// workload's own observations say, and on the test file read back.
enum LocalAgentRun {
    /// Starts `role`'s agent with `config`, waits for its outcome within the
    /// scenario's timeout, and records its steps and resources as `actor`'s.
    static func run<Role: AgentRole>(
        _ role: Role.Type, actor: String, config: Role.Config, _ context: inout ScenarioContext, into result: inout ScenarioResult
    ) throws -> AgentOutcome {
        let scenario = context.scenario
        let agent = context.processes.add(try AgentProcess(
            role, place: .current, executable: context.runner.executable, config: config, logPath: context.paths.agentsLog))
        let started = monotonicNanoseconds()
        let done = try context.waitForOutcome(agent, within: scenario.timeout)
        let seconds = Double(monotonicNanoseconds() - started) / 1e9
        result.agents = [actor: "\(agent.stop())"]
        result.steps = context.steps + done.steps
        result.resources = ResourceUse(
            transferSeconds: seconds, secondsPerGiB: seconds / (Double(max(scenario.file.size, 1)) / Double(1 << 30)),
            peakRSSKiB: ["runner": ResourceUse.peakRSSKiBOfThisProcess(), actor: done.peakRSSKiB ?? 0])
        return done
    }

    /// Adds `actor`'s calls and the page-cache verdict on the test file to
    /// `observations`, and judges the scenario's expectations against them.
    static func judge(
        _ observations: Observations, _ done: AgentOutcome, actor: String, _ context: ScenarioContext, into result: inout ScenarioResult
    ) throws {
        var observations = observations
        observations.addCalls(done.steps, actor: actor)
        observations.addPageCache(try context.readBackTestFile(at: .current))
        result.observations = observations.values
        result.assertions = observations.judge(context.scenario.expectations, dropped: 0)
    }
}
