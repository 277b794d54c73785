import Foundation

/// After the transfer: what the agents and the captures showed, as the
/// scenario's observations, judged against its expectations.
extension ScenarioExecution {
    /// Restores the device features, reads the agents' outcomes, verifies
    /// each captured side, and judges.
    func harvest(
        _ statistics: [(CaptureSpec.Side, CaptureStatistics)], transferSeconds: Double, topology: Topology,
        into result: inout ScenarioResult
    ) throws {
        var observations = Observations()
        if !featureEntries.isEmpty {
            observations.addFeatures(featureChanges, sides: [
                topology.receiverInterface: "receiver", topology.senderInterface: "sender",
            ], restored: try restoreFeatures())
            result.topology?.featureChanges = featureChanges
        }
        let client = observeAgents(&observations, into: &result)
        result.captures = try captureRecords(statistics)
        let dropped = statistics.reduce(0) { $0 + $1.1.dropped + $1.1.interfaceDropped }
        observations[RunObservation.captureDropped] = .number(Int64(dropped))
        try verifyWire(statistics, topology: topology, client: client, dropped: dropped, &observations, into: &result)
        try checkSignals()
        if case .program = scenario.workload, let wire = result.wire, let received = result.received {
            // The capture and the client saw the same body: as long, and differing (or not) at the same offset.
            observations[ProgramObservation.clientWireAgrees] = .flag(
                wire.bytes == received.bytes && wire.firstMismatch?.offset == received.firstMismatch?.offset)
        }
        result.resources = ResourceUse(
            transferSeconds: transferSeconds,
            secondsPerGiB: transferSeconds / (Double(max(scenario.file.size, 1)) / Double(1 << 30)),
            peakRSSKiB: peakMemory(statistics: statistics))
        result.observations = observations.values
        result.assertions = observations.judge(scenario.expectations, dropped: dropped)
        if scenario.expectations.isEmpty {
            throw ScenarioError(path: scenario.path, line: 1, column: 1, message: "the scenario states no expectations (expect:)")
        }
    }

    /// The sender's (or program's and client's), receiver's and actors' outcomes as
    /// observations and steps; returns the client's view of a program's response.
    private func observeAgents(_ observations: inout Observations, into result: inout ScenarioResult) -> ClientReport? {
        let receiverEnd = receiver?.stop()
        let receiverDone = receiver?.finished
        let actorSteps = actors.flatMap { $0.finished?.steps ?? [] }
        if let program {
            let running = program.isRunning
            result.agents = ["program": "\(program.stop())", "client": externalClient.map { "\($0)" } ?? receiverEnd.map { "\($0)" } ?? "not started"]
            result.steps = runnerSteps + actorSteps + (receiverDone?.steps ?? [])
            addProgramObservations(&observations, client: receiverDone?.client, running: running)
            result.client = receiverDone?.client
            if let externalClient { addExternalClientObservations(&observations, ended: externalClient) }
        } else if let sender {
            let senderEnd = sender.stop()
            result.agents = ["sender": "\(senderEnd)", "receiver": receiverEnd.map { "\($0)" } ?? "not started"]
            let senderDone = sender.finished
            result.steps = runnerSteps + (senderDone?.steps ?? []) + actorSteps + (receiverDone?.steps ?? [])
            result.signals = senderDone?.sender?.signals ?? []
            observations.addSender(termination: senderEnd, done: senderDone, blockedIn: blockedIn)
            if let kernel = senderDone?.sender?.zerocopy, let (comparison, record) = ZerocopyScenarioModel.compare(scenario, kernel: kernel) {
                observations.addModelComparison(comparison)
                result.model = record
            }
        }
        result.received = receiverDone?.stream
        observations.addCalls(actorSteps, actor: "actor")
        observations.addReceiver(done: receiverDone, truncatedTo: truncatedStream, overwrite: overwrite)
        observations[RunObservation.fileSizeAfter] = .number((try? FileDescriptor.open(filePath, .readOnly)).flatMap { file in
            defer { try? file.close() }
            return try? file.size()
        } ?? -1)
        return receiverDone?.client
    }

    /// The report's records of the capture files, with their digests.
    private func captureRecords(_ statistics: [(CaptureSpec.Side, CaptureStatistics)]) throws -> [CaptureRecord] {
        try statistics.flatMap { side, stats in
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

    /// The content an overwrite action put in the file, or a MSG_ZEROCOPY
    /// script's `modify` in its buffer, if any, as the stream would carry it.
    var overwrite: (any ExpectedContent)? {
        let sender = scenario.workload.sender
        let modifies = sender?.options.rewriteAfterSend != nil
            || sender?.zerocopy?.steps?.contains { if case .modify = $0 { true } else { false } } == true
        return (overwriteSeed ?? (modifies ? ZerocopyStep.modifySeed : nil))
            .map { scenario.stream(of: PatternContent(count: scenario.file.size, seed: $0)) }
    }

    /// The stream's length once the file was truncated, if it was.
    var truncatedStream: UInt64? { truncatedTo.map(scenario.streamLength(fileTruncatedTo:)) }

    /// Peak resident memory in KiB of the runner and of each agent that reported it.
    func peakMemory(statistics: [(CaptureSpec.Side, CaptureStatistics)]) -> [String: Int] {
        var peaks = ["runner": ResourceUse.peakRSSKiBOfThisProcess()]
        for (name, agent) in [("sender", sender), ("receiver", receiver)] {
            if let peak = agent?.finished?.peakRSSKiB { peaks[name] = peak }
        }
        for (side, agent) in captures {
            if let peak = agent.finished?.peakRSSKiB { peaks["capture-\(side.rawValue)"] = peak }
        }
        return peaks
    }
}
