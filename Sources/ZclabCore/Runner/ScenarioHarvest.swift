import Foundation

/// After the transfer: what the agents and the captures showed, as the
/// scenario's observations, judged against its expectations.
struct ScenarioHarvest {
    let topology: Topology
    let side: SendingSide
    let staging: StagingRecord
    let captured: [CapturedSide]
    let transferSeconds: Double

    /// Restores the device features, reads the agents' outcomes, verifies
    /// each captured side, and judges.
    func harvest(_ context: inout ScenarioContext, into result: inout ScenarioResult) throws {
        let scenario = context.scenario
        var observations = Observations()
        if !context.features.entries.isEmpty {
            let restored = try DeviceFeatureChanges.restore(&context)
            observations.addFeatures(context.features.changes, sides: [
                ("receiver", topology.receiver.interface), ("sender", topology.sender.interface),
            ], restored: restored)
            result.topology?.featureChanges = context.features.changes
        }
        let client = observeAgents(&observations, context, into: &result)
        observations.addPageCache(try context.readBackTestFile(at: topology.sender.place))
        result.captures = try captureRecords(scenario)
        let dropped = captured.reduce(0) { $0 + $1.statistics.dropped + $1.statistics.interfaceDropped }
        observations[RunObservation.captureDropped] = .number(Int64(dropped))
        if let lost = staging.droppedSegments { observations[RunObservation.lossDropped] = .number(Int64(lost)) }
        try verifyWire(client: client, dropped: dropped, context, &observations, into: &result)
        try context.checkSignals()
        if case .program = scenario.workload, let wire = result.wire, let received = result.received {
            // The capture and the client saw the same body: as long, and differing (or not) at the same offset.
            observations[ProgramObservation.clientWireAgrees] = .flag(
                wire.bytes == received.bytes && wire.firstMismatch?.offset == received.firstMismatch?.offset)
        }
        result.resources = ResourceUse(
            transferSeconds: transferSeconds,
            secondsPerGiB: transferSeconds / (Double(max(scenario.file.size, 1)) / Double(1 << 30)),
            peakRSSKiB: peakMemory(), measuredSeconds: staging.measuredSeconds,
            cpuSeconds: [("sender", side.sender), ("receiver", side.receiver)].reduce(into: [String: Double]()) { seconds, agent in
                seconds[agent.0] = agent.1?.finished?.cpuSeconds
            },
            machineCPUSeconds: staging.machineCPU?.busySeconds, softirqSeconds: staging.machineCPU?.softirqSeconds)
        result.observations = observations.values
        result.assertions = observations.judge(scenario.expectations, dropped: dropped)
        if scenario.expectations.isEmpty {
            throw ScenarioError(path: scenario.path, line: 1, column: 1, message: "the scenario states no expectations (expect:)")
        }
    }

    /// The sender's (or program's and client's), receiver's and actors' outcomes as
    /// observations and steps; returns the client's view of a program's response.
    private func observeAgents(
        _ observations: inout Observations, _ context: ScenarioContext, into result: inout ScenarioResult
    ) -> ClientReport? {
        let scenario = context.scenario
        let receiverEnd = side.receiver?.stop()
        let receiverDone = side.receiver?.finished
        let actorSteps = staging.actors.flatMap { $0.finished?.steps ?? [] }
        switch side {
        case .program(let program, let client):
            let running = program.isRunning
            let clientEnd = switch client {
            case .command(let ended): ended
            case .agent: receiverEnd
            }
            result.agents = ["program": "\(program.stop())", "client": clientEnd.map { "\($0)" } ?? "not started"]
            result.steps = context.steps + actorSteps + (receiverDone?.steps ?? [])
            ProgramRun.addProgramObservations(&observations, client: receiverDone?.client, running: running, blockedIn: staging.blockedIn)
            result.client = receiverDone?.client
            if case .command(let ended) = client {
                ProgramRun.addExternalClientObservations(&observations, ended: ended, context)
            }
        case .zclab(let sender, _):
            let senderEnd = sender.stop()
            result.agents = ["sender": "\(senderEnd)", "receiver": receiverEnd.map { "\($0)" } ?? "not started"]
            let senderDone = sender.finished
            result.steps = context.steps + (senderDone?.steps ?? []) + actorSteps + (receiverDone?.steps ?? [])
            result.signals = senderDone?.sender?.signals ?? []
            observations.addSender(termination: senderEnd, done: senderDone, blockedIn: staging.blockedIn)
            if let kernel = senderDone?.sender?.zerocopy, let (comparison, record) = ZerocopyScenarioModel.compare(scenario, kernel: kernel) {
                observations.addModelComparison(comparison)
                result.model = record
            }
        }
        result.received = receiverDone?.stream
        observations.addCalls(actorSteps, actor: "actor")
        observations.addReceiver(
            done: receiverDone, truncatedTo: staging.truncatedStream(of: scenario), overwrite: staging.overwrite(in: scenario))
        observations[RunObservation.fileSizeAfter] = .number((try? FileDescriptor.open(context.paths.file, .readOnly)).flatMap { file in
            defer { try? file.close() }
            return try? file.size()
        } ?? -1)
        return receiverDone?.client
    }

    /// The report's records of the capture files, with their digests.
    private func captureRecords(_ scenario: Scenario) throws -> [CaptureRecord] {
        try captured.flatMap { capture in
            let side = capture.side, stats = capture.statistics
            var records = [CaptureRecord(
                side: side.rawValue, path: stats.path, sha256: try sha256(ofFile: stats.path), interface: stats.interface,
                packets: stats.packets, dropped: stats.dropped, interfaceDropped: stats.interfaceDropped,
                snaplen: scenario.capture.payload == .marks ? 128 : stats.snaplen)]
            if let samples = stats.samplePath {
                records.append(CaptureRecord(
                    side: side.rawValue + "-marks", path: samples, sha256: try sha256(ofFile: samples), interface: stats.interface,
                    packets: stats.sampledPackets ?? 0, dropped: stats.dropped, interfaceDropped: stats.interfaceDropped,
                    snaplen: stats.snaplen))
            }
            return records
        }
    }

    /// Peak resident memory in KiB of the runner and of each agent that reported it.
    private func peakMemory() -> [String: Int] {
        var peaks = ["runner": ResourceUse.peakRSSKiBOfThisProcess()]
        if let peak = side.sender?.finished?.peakRSSKiB { peaks["sender"] = peak }
        if let peak = side.receiver?.finished?.peakRSSKiB { peaks["receiver"] = peak }
        for capture in captured {
            if let peak = capture.peakRSSKiB { peaks["capture-\(capture.side.rawValue)"] = peak }
        }
        return peaks
    }
}
