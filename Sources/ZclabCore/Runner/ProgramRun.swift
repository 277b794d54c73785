import Foundation

/// A program under test, running in the sender's namespace.
struct ProgramProcess {
    let process: ChildProcess
    /// Its standard output and error, in the scenario's folder.
    let outputPath: String
    let errorPath: String

    /// Whether it still runs.
    var isRunning: Bool { process.poll() == nil }

    /// SIGTERM to its process group, then SIGKILL if it is still there
    /// after a second; returns how it ended.
    func stop() -> Termination {
        if let ended = process.poll() { return ended }
        _ = kill(-process.pid, SIGTERM)
        let deadline = monotonicNanoseconds() + 1_000_000_000
        while process.poll() == nil && monotonicNanoseconds() < deadline { usleep(10_000) }
        _ = kill(-process.pid, SIGKILL)
        return process.wait()
    }
}

/// A program under test in the sender's place: its needs, its files and
/// start, its client, and what both showed.
enum ProgramRun {
    /// The placeholders of a program's command, files and request.
    static func placeholders(_ program: ProgramSpec, _ topology: Topology, _ context: ScenarioContext) -> [String: String] {
        let file = context.paths.file
        return [
            "file": file, "file_name": (file as NSString).lastPathComponent,
            "file_dir": (file as NSString).deletingLastPathComponent,
            "address": topology.sender.address, "port": "\(program.port)",
            "dir": URL(fileURLWithPath: context.paths.directory).standardizedFileURL.path,
            "scenario_dir": URL(fileURLWithPath: context.scenario.path).deletingLastPathComponent().standardizedFileURL.path,
        ]
    }

    /// Skips, saying which, when an executable the program needs is missing.
    static func checkNeeds(_ program: ProgramSpec) throws {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin"
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin"]
        for name in program.needs where !directories.contains(where: { FileManager.default.isExecutableFile(atPath: "\($0)/\(name)") }) {
            throw SkipScenario(reason: "\(name) is not installed (scripts/setup installs what the shipped programs need)")
        }
    }

    /// Writes the program's files, starts it in the sender's namespace, waits
    /// for its ready line if it has one, then starts the client.
    static func start(
        _ program: ProgramSpec, client: ClientSpec, _ topology: Topology, _ context: inout ScenarioContext
    ) throws -> SendingSide {
        let scenario = context.scenario, directory = context.paths.directory
        let values = placeholders(program, topology, context)
        for (name, text) in program.files {
            try ProgramSpec.expand(text, values).write(toFile: "\(directory)/\(name)", atomically: true, encoding: .utf8)
        }
        let command = program.command.map { ProgramSpec.expand($0, values) }
        context.note("start program: \(command.joined(separator: " "))")
        let running = ProgramProcess(
            process: try ChildProcess(
                topology.sender.place.command(command),
                outputPath: "\(directory)/program.out", errorPath: "\(directory)/program.err"),
            outputPath: "\(directory)/program.out", errorPath: "\(directory)/program.err")
        context.processes.add(running)
        if let line = program.readyLine {
            let deadline = monotonicNanoseconds() + 10_000_000_000
            while !([running.outputPath, running.errorPath].contains { ((try? String(contentsOfFile: $0, encoding: .utf8)) ?? "").contains(line) }) {
                guard running.isRunning else { throw ScenarioFailure("the program ended before it was ready (\(running.process.poll().map { "\($0)" } ?? "ended")); see \(running.errorPath)") }
                guard monotonicNanoseconds() < deadline else { throw ScenarioFailure("the program did not print \"\(line)\" within 10 s") }
                try context.checkSignals()
                usleep(20_000)
            }
        }
        if let command = client.command {
            let ended = try runExternalClient(command.map { ProgramSpec.expand($0, values) }, topology, &context)
            return .program(running, client: .command(ended: ended))
        }
        let config = ReceiverConfig(
            host: topology.receiver.address, port: program.port, readSize: scenario.receiver.readSize,
            pauseAfter: scenario.receiver.pauseAfter, receiveBuffer: scenario.receiver.receiveBuffer,
            expected: scenario.file, pieces: nil,
            client: ClientConfig(
                host: topology.sender.address, port: program.port, request: ProgramSpec.expand(client.request, values),
                http: client.http, again: client.again, idleTimeout: client.idleTimeout, connectTimeout: 10))
        let agent = context.processes.add(try AgentProcess(
            ReceiverAgent.self, place: topology.receiver.place, executable: context.runner.executable,
            config: config, logPath: context.paths.agentsLog))
        return .program(running, client: .agent(agent))
    }

    /// Runs an external client in the receiver's namespace to its end (or
    /// the scenario's timeout), its output in the scenario's folder.
    private static func runExternalClient(
        _ command: [String], _ topology: Topology, _ context: inout ScenarioContext
    ) throws -> Termination {
        let directory = context.paths.directory, timeout = context.scenario.timeout
        context.note("start client: \(command.joined(separator: " "))")
        let client = try ChildProcess(
            topology.receiver.place.command(command),
            outputPath: "\(directory)/client.out", errorPath: "\(directory)/client.err")
        let deadline = monotonicNanoseconds() + UInt64(timeout * 1e9)
        while client.poll() == nil {
            if monotonicNanoseconds() > deadline {
                _ = kill(-client.pid, SIGKILL)
                throw ScenarioFailure("the client command did not end within \(timeout) s")
            }
            try context.checkSignals()
            usleep(20_000)
        }
        return client.wait()
    }

    /// An external client's exit status and the values its JSON output holds at the recorded paths.
    static func addExternalClientObservations(_ observations: inout Observations, ended: Termination, _ context: ScenarioContext) {
        switch ended {
        case .exited(let code): observations[ProgramObservation.clientExit] = .number(Int64(code))
        case .signaled(let signal): observations[ProgramObservation.clientExit] = .text(signalName(signal))
        }
        let output = FileManager.default.contents(atPath: "\(context.paths.directory)/client.out") ?? Data()
        let json = try? JSONDecoder().decode(JSONValue.self, from: output)
        let record = if case .program(_, let client) = context.scenario.workload { client.record } else { [String: String]() }
        for (name, path) in record {
            let value = path.split(separator: ".").reduce(json) { value, key in
                if case .object(let members)? = value { members[String(key)] } else { nil }
            }
            let observed: ObservedValue
            switch value {
            case .number(let number)?: observed = .number(Int64(number))
            case .flag(let flag)?: observed = .flag(flag)
            case .text(let text)?: observed = .text(text)
            default: observed = .text("none")
            }
            observations.values["client.record.\(name)"] = observed
        }
    }

    /// What the client and the program showed: the HTTP status and length,
    /// how the response ended, whether the program is still up and served
    /// the second request, and the call it was proved blocked in.
    static func addProgramObservations(_ observations: inout Observations, client: ClientReport?, running: Bool, blockedIn: String?) {
        observations[ProgramObservation.programBlockedIn] = .text(blockedIn ?? "none")
        if let client {
            observations[ProgramObservation.httpStatus] = client.status.map { .number(Int64($0)) } ?? .text("none")
            observations[ProgramObservation.httpContentLength] = client.contentLength.map { .number(Int64($0)) } ?? .text("none")
            observations[ProgramObservation.httpHeaderBytes] = .number(Int64(client.header.utf8.count))
            observations[ProgramObservation.clientEnd] = .text(client.end)
            observations[ProgramObservation.clientConnectAttempts] = .number(Int64(client.connectAttempts))
            observations[ProgramObservation.programNextStatus] = client.againStatus.map { .number(Int64($0)) } ?? .text("none")
            observations[ProgramObservation.programNextBytes] = client.againBytes.map { .number(Int64($0)) } ?? .text("none")
        }
        observations[ProgramObservation.programAlive] = .flag(running)
    }
}

/// A JSON document, for reading values out of a client's output.
enum JSONValue: Decodable {
    case flag(Bool), number(Double), text(String), object([String: JSONValue]), array([JSONValue]), null

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let flag = try? container.decode(Bool.self) { self = .flag(flag) }
        else if let number = try? container.decode(Double.self) { self = .number(number) }
        else if let text = try? container.decode(String.self) { self = .text(text) }
        else if let members = try? container.decode([String: JSONValue].self) { self = .object(members) }
        else { self = .array(try container.decode([JSONValue].self)) }
    }
}

public enum ProgramObservation: String, ObservationGroup {
    case httpStatus = "http.status"
    case httpContentLength = "http.content_length"
    case httpHeaderBytes = "http.header_bytes"
    case clientEnd = "client.end"
    case clientConnectAttempts = "client.connect_attempts"
    case programAlive = "program.alive"
    case programBlockedIn = "program.blocked_in"
    case clientExit = "client.exit"
    case clientWireAgrees = "client.wire_agrees"
    case programNextStatus = "program.next_status"
    case programNextBytes = "program.next_bytes"

    public var declaration: (type: ValueType, meaning: String) {
        switch self {
        case .httpStatus: (ValueType.numberOrNone, "a program's HTTP status code, or none")
        case .httpContentLength: (ValueType.numberOrNone, "its Content-Length header, or none")
        case .httpHeaderBytes: (ValueType.number, "bytes of its status line and headers")
        case .clientEnd: (ValueType.words("complete", "eof", "reset", "timeout"), "how the response ended: complete (Content-Length reached), eof, reset or timeout")
        case .clientConnectAttempts: (ValueType.number, "connections the client tried while the program started")
        case .programAlive: (ValueType.flag, "the program still ran when the client was done")
        case .programBlockedIn: (ValueType.text, "the call the program (or a child) was observed blocked in for sender.blocked, or none")
        case .clientExit: (ValueType(.number, .signal), "an external client command's exit status, or the signal that killed it")
        case .clientWireAgrees: (ValueType.flag, "the capture shows the body the client read: as many bytes, first difference at the same offset")
        case .programNextStatus: (ValueType.numberOrNone, "the status of a second request on a new connection (client again: true), or none")
        case .programNextBytes: (ValueType.numberOrNone, "the bytes after the header of that second response, or none")
        }
    }
}

extension ObservationKeys {
    /// `client.record.NAME`: what an external client's JSON output holds at a recorded path.
    static let clientRecordKeys = [
        ObservationKey([.word("client"), .word("record"), .any(placeholder: "NAME")], .anything,
                       "a value an external client's JSON output holds, named in client.record"),
    ]
}
