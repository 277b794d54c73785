import Foundation

/// What the stages of one scenario share: the scenario, the run's handles,
/// its paths, and everything created so far. Stages that create something
/// take it `inout` and record it here before going on, so that teardown
/// removes what they got to after an error as after success; what a stage
/// hands to the next (topology, captures, sending side, staging) it returns.
struct ScenarioContext {
    let scenario: Scenario
    /// Its position in the run, part of the names of what it creates.
    let index: Int
    /// The run's handles: ledger, signals, output folder, executable, progress.
    let runner: ScenarioRunner
    let paths: ScenarioPaths
    /// The namespaces and links, once created (their ledger entries come first).
    var topology: Topology?
    /// The sysctls set, as recorded in the ledger with their values before.
    var sysctls: [ResourceLedger.Entry] = []
    var features = FeatureRecord()
    var processes = StartedProcesses()
    /// Files put on the peer (the test file, captures), removed at teardown.
    var peerFiles: [PeerFile] = []
    /// The runner's own steps for the report: sysctls, features, actions, proofs.
    var steps: [SyscallStep] = []

    init(scenario: Scenario, index: Int, runner: ScenarioRunner) {
        self.scenario = scenario
        self.index = index
        self.runner = runner
        paths = ScenarioPaths(scenario, runID: runner.ledger.runID, outputDirectory: runner.outputDirectory)
    }

    /// Adds a runner step that records what the runner did or saw.
    mutating func note(_ text: String) {
        steps.append(SyscallStep(
            actor: "runner", call: "observe", arguments: text, calls: 1, returned: nil, returnMin: nil, returnMax: nil,
            errno: nil, signal: nil, durationNs: 0))
    }

    /// Throws `Interrupted` once SIGINT, SIGTERM or SIGHUP has arrived.
    func checkSignals() throws { try runner.checkSignals() }

    /// Stops every process started, puts the features back, removes the
    /// topology, the sysctls, the test file and a copy: whatever the stages
    /// got to create. Returns what could not be undone.
    func tearDown() -> [String] {
        processes.stopAll()
        var problems = runner.ledger.undo(features.entries)
        problems += topology?.destroy(ledger: runner.ledger) ?? []
        problems += runner.ledger.undo(sysctls)
        for path in [paths.file, paths.copy, paths.received].compactMap({ $0 }) where FileManager.default.fileExists(atPath: path) {
            do { try FileManager.default.removeItem(atPath: path) } catch { problems.append("removing \(path): \(error)") }
        }
        for file in peerFiles {
            do { try file.route.run(["rm", "-f", file.path]) } catch { problems.append("removing \(file.route.destination):\(file.path): \(error)") }
        }
        return problems
    }

    /// The test file's path at `place`: on the peer, the copy in its folder.
    func testFile(at place: Place) -> String {
        place.route.map { "\($0.folder)/\((paths.file as NSString).lastPathComponent)" } ?? paths.file
    }

    /// The test file read back where the sender read it (on a peer, its copy
    /// there, fetched), compared with what the scenario's own changes leave.
    func readBackTestFile(at place: Place) throws -> StreamCheck {
        let expected = FileAfterChanges(scenario)
        guard let route = place.route else { return try FileReadBack.compare(paths.file, with: expected) }
        let local = paths.file + ".peer"
        defer { try? FileManager.default.removeItem(atPath: local) }
        try route.fetch(testFile(at: place), to: local)
        return try FileReadBack.compare(local, with: expected)
    }

    /// Copies the test file to the peer at `place`, if it is one, recording it for teardown.
    mutating func placeTestFile(at place: Place) throws {
        guard let route = place.route else { return }
        let path = testFile(at: place)
        peerFiles.append(PeerFile(route: route, path: path))
        try route.upload(paths.file, to: path, executable: false)
        note("test file copied to \(route.destination):\(path)")
    }
}

/// Where a scenario's files go; fixed once the scenario and run are known.
struct ScenarioPaths {
    /// The scenario's folder in the run's output: captures, logs, program files.
    let directory: String
    /// The test file, in the run's scratch folder.
    let file: String
    /// A copy scenario's destination.
    let copy: String?
    /// The file a splice-to-file receiver writes.
    let received: String?
    /// Every agent's standard error.
    var agentsLog: String { "\(directory)/agents.log" }

    init(_ scenario: Scenario, runID: String, outputDirectory: String) {
        directory = "\(outputDirectory)/\(scenario.name)"
        file = "\(RunNames.scratchFolder(runID: runID, onDisk: scenario.fileOnDisk))/\(scenario.name).dat"
        copy = if case .copy(let spec) = scenario.workload { Self.copy(spec, of: scenario, runID: runID) } else { nil }
        received = scenario.receiver.method == .spliceToFile
            ? "\(RunNames.scratchFolder(runID: runID, onDisk: scenario.fileOnDisk))/\(scenario.name).received" : nil
    }

    /// Where the copy of a copy scenario goes.
    static func copy(_ spec: CopySpec, of scenario: Scenario, runID: String) -> String {
        "\(spec.folder(runID: runID))/\(scenario.name).copy"
    }
}

/// The processes a scenario started, in order, for teardown to stop: the
/// stages also hand them on by role, this list is what makes sure none is left.
struct StartedProcesses {
    private(set) var agents: [AgentProcess] = []
    private(set) var program: ProgramProcess?

    /// Records `agent` and returns it.
    @discardableResult
    mutating func add(_ agent: AgentProcess) -> AgentProcess {
        agents.append(agent)
        return agent
    }

    mutating func add(_ program: ProgramProcess) { self.program = program }

    func stopAll() {
        for agent in agents { _ = agent.stop() }
        _ = program?.stop()
    }
}

/// A file the scenario put on a peer.
struct PeerFile {
    let route: SSHRoute
    let path: String
}

/// Device features a scenario changed.
struct FeatureRecord {
    /// The ledger entries that put them back, with every changeable feature as it was.
    var entries: [ResourceLedger.Entry] = []
    /// Each feature asked for or dragged along, before and after.
    var changes: [FeatureChange] = []
    /// Every feature of each changed interface before the first change, by interface.
    var before: [String: [String: InterfaceFeatures.State]] = [:]
}

/// A capture agent and the end it listens on.
struct CaptureProcess {
    let side: CaptureSpec.Side
    let agent: AgentProcess
    /// For a capture on a peer: its route, and where its file goes on this host.
    let fetch: (route: SSHRoute, local: String)?
}

/// What a stopped capture agent reported for its end.
struct CapturedSide {
    let side: CaptureSpec.Side
    let statistics: CaptureStatistics
    /// The capture agent's peak resident memory in KiB, if it reported it.
    let peakRSSKiB: Int?
}

/// The side that sends, as it was set going.
enum SendingSide {
    /// zclab's sender agent, to zclab's receiver agent.
    case zclab(sender: AgentProcess, receiver: AgentProcess)
    /// A program under test in the sender's place, asked by a client.
    case program(ProgramProcess, client: ProgramClient)

    /// zclab's sender agent, for a transfer.
    var sender: AgentProcess? { if case .zclab(let sender, _) = self { sender } else { nil } }

    /// The agent that receives: zclab's receiver, or the client agent of a program.
    var receiver: AgentProcess? {
        switch self {
        case .zclab(_, let receiver), .program(_, .agent(let receiver)): receiver
        case .program(_, .command): nil
        }
    }
}

/// Who asks a program under test.
enum ProgramClient {
    /// zclab's receiver agent as an HTTP client.
    case agent(AgentProcess)
    /// An external client command, already run to its end.
    case command(ended: Termination)
}

/// What the staging of a transfer did, for the verdict.
struct StagingRecord {
    /// The call the sender was proved blocked in, when an action waited for sender.blocked.
    var blockedIn: String?
    /// The smallest size an action truncated the file to.
    var truncatedTo: UInt64?
    /// The pattern seed of data an action wrote over the file, to tell new data on the wire.
    var overwriteSeed: UInt64?
    /// The actor agents the actions started, in order.
    var actors: [AgentProcess] = []
    /// Data segments the `loss:` rule dropped, when `restore-link` ended it.
    var droppedSegments: UInt64?
    /// The machine's CPU and the time from the sender's connect to the end of the transfer.
    var machineCPU: MachineCPU?
    var measuredSeconds: Double?

    /// The stream's length once the file was truncated, if it was.
    func truncatedStream(of scenario: Scenario) -> UInt64? { truncatedTo.map(scenario.streamLength(fileTruncatedTo:)) }

    /// The content an overwrite action put in the file, or a MSG_ZEROCOPY
    /// script's `modify` in its buffer, if any, as the stream would carry it.
    func overwrite(in scenario: Scenario) -> (any ExpectedContent)? {
        (overwriteSeed ?? (scenario.senderRewritesItsBuffer ? ZerocopyStep.modifySeed : nil))
            .map { scenario.stream(of: PatternContent(count: scenario.file.size, seed: $0)) }
    }
}
