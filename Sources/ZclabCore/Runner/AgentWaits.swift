import Foundation

/// Waiting on agents' events, cut short by the run's signals.
extension ScenarioContext {
    /// Polls the agents' outputs (and the signal descriptor) once.
    func pollEvents(_ watched: [AgentProcess], timeoutMs: Int32) throws -> [(agent: AgentProcess, event: AgentEvent)] {
        let live = watched.filter { !$0.hasEnded }
        var fds = live.map { pollfd(fd: $0.output.rawValue, events: Int16(POLLIN), revents: 0) }
        fds.append(pollfd(fd: runner.signals.descriptor, events: Int16(POLLIN), revents: 0))
        _ = poll(&fds, nfds_t(fds.count), timeoutMs)
        try checkSignals()
        var events: [(agent: AgentProcess, event: AgentEvent)] = []
        for (agent, fd) in zip(live, fds) where fd.revents != 0 {
            events += agent.readEvents().map { (agent: agent, event: $0) }
        }
        return events
    }

    /// Waits for `kind` from `agent`.
    func waitFor(_ agent: AgentProcess, _ kind: AgentEvent.Kind, within seconds: Double) throws -> AgentEvent {
        let deadline = monotonicNanoseconds() + UInt64(seconds * 1e9)
        while monotonicNanoseconds() < deadline {
            for polled in try pollEvents([agent], timeoutMs: 100) where polled.event.kind == kind { return polled.event }
            if let failure = agent.failure { throw ScenarioFailure(failure) }
            if agent.hasEnded { throw ScenarioFailure("\(agent.role) agent ended without reporting (\(agent.process.wait()))") }
        }
        throw ScenarioFailure("\(agent.role) agent did not report \(kind.rawValue) within \(seconds) s")
    }

    /// Waits for `agent` to be done, and returns what it did.
    func waitForOutcome(_ agent: AgentProcess, within seconds: Double) throws -> AgentOutcome {
        guard case .done(let outcome) = try waitFor(agent, .done, within: seconds) else {
            throw ScenarioFailure("\(agent.role) agent: a done event without its outcome")
        }
        return outcome
    }
}
