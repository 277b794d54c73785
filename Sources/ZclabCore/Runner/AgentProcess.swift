import Foundation

/// The runner's handle on one agent: a `zclab agent ROLE` child started at
/// its place (in a network namespace with `ip netns exec`, or on the peer
/// through ssh), its configuration sent as the first line of its input, its
/// events read line by line from its output.
final class AgentProcess {
    let role: AgentName
    let process: ChildProcess
    /// Its standard input and output (pipes).
    private let input: FileDescriptor
    let output: FileDescriptor
    private var reader: LineReader
    private(set) var finished: AgentOutcome?
    private(set) var failure: String?
    /// The agent's process id as it reported it (hello), where it runs.
    private(set) var pid: Int32?

    /// Starts `zclab agent ROLE` at `place` (`.current`: where the runner
    /// is, for agents that touch no network) with `config`; the agent's
    /// standard error is appended to `logPath`.
    init<Role: AgentRole>(_ role: Role.Type, place: Place, executable: String, config: Role.Config, logPath: String) throws {
        self.role = Role.name
        process = try ChildProcess(
            place.zclab(["agent", Role.name.rawValue], executable: executable),
            pipeInput: true, pipeOutput: true, errorPath: logPath)
        guard let input = process.input, let output = process.output else {
            throw ScenarioFailure("\(Role.name) agent started without its pipes")
        }
        self.input = input
        self.output = output
        reader = LineReader(output)
        try send(config)
    }

    /// Writes one JSON line to the agent.
    func send(_ message: some Encodable) throws {
        var data = try JSONEncoder().encode(message)
        data.append(0x0A)
        try data.withUnsafeBytes { try input.writeAll($0) }
    }

    /// Reads what the agent wrote (call when poll says readable) and returns
    /// the complete events; at end of output, notes how the agent ended.
    func readEvents() -> [AgentEvent] {
        do { _ = try reader.fill() } catch { failure = "\(role) agent: reading its output: \(error)" }
        var events: [AgentEvent] = []
        while let line = reader.bufferedLine() {
            guard let event = try? JSONDecoder().decode(AgentEvent.self, from: Data(line.utf8)) else {
                failure = "\(role) agent wrote an unreadable line: \(line.prefix(200))"
                continue
            }
            switch event {
            case .done(let outcome): finished = outcome
            case .failed(let message): failure = "\(role) agent failed: \(message)"
            case .hello(let reported): pid = reported
            default: break
            }
            events.append(event)
        }
        return events
    }

    var hasEnded: Bool { reader.reachedEnd }

    /// Stops the agent if it still runs and reaps it.
    func stop() -> Termination {
        if !hasEnded && finished == nil { process.kill(SIGKILL) }
        process.closePipes()
        return process.wait()
    }
}
