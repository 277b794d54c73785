import Foundation

/// The state of one scenario while it runs.
final class ScenarioExecution {
    let scenario: Scenario
    let index: Int
    let runner: ScenarioRunner
    let directory: String
    let filePath: String
    var topology: Topology?
    var captures: [(side: CaptureSpec.Side, agent: AgentProcess)] = []
    var receiver: AgentProcess?
    var sender: AgentProcess?
    /// A program under test in the sender's place.
    var program: ProgramProcess?
    /// How an external client command ended, when the scenario has one.
    var externalClient: Termination?
    var actors: [AgentProcess] = []
    var changedSysctls: [ResourceLedger.Entry] = []
    var copier: AgentProcess?
    var copyPath: String?
    var runnerSteps: [SyscallStep] = []
    var blockedIn: String?
    /// The smallest size an action truncated the file to.
    var truncatedTo: UInt64?
    /// The pattern seed of data an action wrote over the file, to tell new data on the wire.
    var overwriteSeed: UInt64?
    /// Ledger entries of the interfaces whose features the scenario changed.
    var featureEntries: [ResourceLedger.Entry] = []
    var featureChanges: [FeatureChange] = []
    /// Every feature of each changed interface before the change, by interface.
    var featuresBefore: [String: [String: InterfaceFeatures.State]] = [:]

    init(scenario: Scenario, index: Int, runner: ScenarioRunner) {
        self.scenario = scenario
        self.index = index
        self.runner = runner
        directory = "\(runner.outputDirectory)/\(scenario.name)"
        filePath = "\(RunNames.scratchFolder(runID: runner.ledger.runID, onDisk: scenario.fileOnDisk))/\(scenario.name).dat"
    }

    var agents: [AgentProcess] { captures.map(\.agent) + [receiver, sender, copier].compactMap { $0 } + actors }

    /// Runs the scenario's workload: its checks that may skip it, the test
    /// file, then the copy, or the network transfer by zclab's sender or a program.
    func perform(into result: inout ScenarioResult) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try checkFreeSpace()
        switch scenario.workload {
        case .copy(let copy):
            try createTestFile()
            try performCopy(copy, into: &result)
        case .transfer(let sender):
            if sender.method.usesIoUring { try checkIoUring() }
            try createTestFile()
            try performNetwork(blockingIn: sender.method.blockingCall, into: &result) { try self.startTransfer(sender, $0) }
        case .program(let program, let client):
            try checkProgramNeeds(program)
            try createTestFile()
            try performNetwork(blockingIn: program.blocksIn, into: &result) { try self.startProgram(program, client: client, $0) }
        case .simulation:
            // ScenarioRunner.run hands simulations to the model before they get here.
            throw ScenarioFailure("a simulated scenario runs on the reference model only")
        }
    }

    /// The test file in the scratch folder, owned as the scenario says, and the scenario's sysctls.
    private func createTestFile() throws {
        let scratch = RunNames.scratchFolder(runID: runner.ledger.runID, onDisk: scenario.fileOnDisk)
        if !FileManager.default.fileExists(atPath: scratch) {
            runner.ledger.add(.directory(scratch))
            try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        }
        try scenario.file.create(at: filePath)
        if let owner = scenario.fileOwner {
            guard chown(filePath, owner, owner) == 0 else { throw ScenarioFailure("chown \(filePath) to \(owner): \(Errno.current)") }
        }
        try applySysctls()
        try checkSignals()
    }

    /// A transfer over the network: the topology, the captures, the sending
    /// side `start` sets going (which blocks in `blockingCall` when the
    /// receiver does not read), its supervision, and the verdict on what was seen.
    private func performNetwork(
        blockingIn blockingCall: String, into result: inout ScenarioResult, start: (Topology) throws -> Void
    ) throws {
        let topology = try Topology.create(scenario.topology, ledger: runner.ledger, index: index)
        self.topology = topology
        try applyFeatures(topology)
        result.setting = setting
        result.topology = TopologyRecord(
            kind: scenario.topology.kind.rawValue, mtu: scenario.topology.mtu,
            sender: "\(topology.senderNamespace)/\(topology.senderInterface) \(topology.senderAddress)",
            receiver: "\(topology.receiverNamespace)/\(topology.receiverInterface) \(topology.receiverAddress)",
            features: readFeatures(topology))

        try applyNamespaceSysctls(topology)
        try startCaptures(topology)
        try start(topology)
        let transferStarted = monotonicNanoseconds()
        try superviseTransfer(blockingIn: blockingCall)
        let transferSeconds = Double(monotonicNanoseconds() - transferStarted) / 1e9
        let statistics = try stopCaptures()
        try checkSignals()

        try harvest(statistics, transferSeconds: transferSeconds, topology: topology, into: &result)
    }

    func observation(_ text: String) -> SyscallStep {
        SyscallStep(actor: "runner", call: "observe", arguments: text, calls: 1, returned: nil, returnMin: nil, returnMax: nil, errno: nil, signal: nil, durationNs: 0)
    }

    func checkSignals() throws {
        if let signal = runner.signals.check() { throw Interrupted(signal: signal) }
    }

    /// Stops every agent, removes the topology and the test file.
    func tearDown() -> [String] {
        for agent in agents { _ = agent.stop() }
        _ = program?.stop()
        var problems = runner.ledger.undo(featureEntries)
        problems += topology?.destroy(ledger: runner.ledger) ?? []
        problems += runner.ledger.undo(changedSysctls)
        for path in [filePath, copyPath].compactMap({ $0 }) where FileManager.default.fileExists(atPath: path) {
            do { try FileManager.default.removeItem(atPath: path) } catch { problems.append("removing \(path): \(error)") }
        }
        return problems
    }
}

/// A scenario this machine cannot run (a skip, with the reason).
struct SkipScenario: Error, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}

/// Bytes free at `path` for an ordinary writer (statvfs f_bavail).
func freeBytes(_ path: String) -> UInt64 {
    var info = statvfs()
    guard statvfs(path, &info) == 0 else { return 0 }
    return UInt64(info.f_bavail) * UInt64(info.f_frsize)
}

/// A scenario that could not be carried out (an error verdict, not a fail).
struct ScenarioFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
