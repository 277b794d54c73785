import Foundation

/// One scenario on the kernel, as a pipeline of stages over its context:
/// checks and test file, then either the copy or the pipe steps, or prepare (topology,
/// features, captures) -> start the sending side -> supervise -> stop the
/// captures -> harvest. Whatever a stage created is in `context`, so
/// `tearDown` removes it after an error as after success.
struct ScenarioExecution {
    private var context: ScenarioContext

    init(scenario: Scenario, index: Int, runner: ScenarioRunner) {
        context = ScenarioContext(scenario: scenario, index: index, runner: runner)
    }

    /// Runs the scenario's workload: its checks that may skip it, the test
    /// file, then the copy, or the network transfer by zclab's sender or a program.
    mutating func perform(into result: inout ScenarioResult) throws {
        let scenario = context.scenario
        try FileManager.default.createDirectory(atPath: context.paths.directory, withIntermediateDirectories: true)
        try ScenarioPreparation.checkFreeSpace(scenario, directory: context.paths.directory)
        switch scenario.workload {
        case .copy(let copy):
            try ScenarioPreparation.createTestFile(&context)
            try CopyRun.perform(copy, &context, into: &result)
        case .pipe(let pipe):
            try ScenarioPreparation.createTestFile(&context)
            try PipeRun.perform(pipe, &context, into: &result)
        case .transfer(let sender):
            try ScenarioPreparation.createTestFile(&context)
            try performNetwork(blockingIn: sender.method.blockingCall, into: &result) { topology, context in
                try ScenarioPreparation.checkIoUring(sender.ioUringRequests, at: topology.sender.place, executable: context.runner.executable)
                try ScenarioPreparation.checkIoUring(context.scenario.receiver.ioUringRequests, at: topology.receiver.place, executable: context.runner.executable)
                if context.scenario.receiver.method == .ioUringZcrx { try ScenarioPreparation.checkZcrx(at: topology.receiver, executable: context.runner.executable) }
                return try ScenarioPreparation.startTransfer(sender, topology, &context)
            }
        case .program(let program, let client):
            try ProgramRun.checkNeeds(program)
            try ScenarioPreparation.createTestFile(&context)
            try performNetwork(blockingIn: program.blocksIn, into: &result) { topology, context in
                try ProgramRun.start(program, client: client, topology, &context)
            }
        case .simulation:
            // ScenarioRunner.run hands simulations to the model before they get here.
            throw ScenarioFailure("a simulated scenario runs on the reference model only")
        }
    }

    /// A transfer over the network: the topology, the captures, the sending
    /// side `start` sets going (which blocks in `blockingCall` when the
    /// receiver does not read), its supervision, and the verdict on what was seen.
    private mutating func performNetwork(
        blockingIn blockingCall: String, into result: inout ScenarioResult,
        start: (Topology, inout ScenarioContext) throws -> SendingSide
    ) throws {
        let topology = try ScenarioPreparation.createTopology(&context)
        result.setting = ScenarioPreparation.setting(of: context.scenario, topology)
        result.topology = ScenarioPreparation.record(of: topology, context.scenario)
        let captures = try ScenarioPreparation.startCaptures(topology, &context)
        let side = try start(topology, &context)
        let transferStarted = monotonicNanoseconds()
        let staging = try TransferSupervision(topology: topology, side: side, captures: captures, blockingCall: blockingCall)
            .supervise(&context)
        let transferSeconds = Double(monotonicNanoseconds() - transferStarted) / 1e9
        let captured = try TransferSupervision.stopCaptures(captures, context)
        try context.checkSignals()
        try ScenarioHarvest(topology: topology, side: side, staging: staging, captured: captured, transferSeconds: transferSeconds)
            .harvest(&context, into: &result)
    }

    /// Stops every process, removes the topology and the test file: all the context records.
    func tearDown() -> [String] { context.tearDown() }
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
