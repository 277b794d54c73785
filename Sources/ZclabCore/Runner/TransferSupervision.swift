import Foundation

/// Watching a transfer: agents' events, actions fired as their triggers hold,
/// the sender proved blocked. What the actions did is its result.
struct TransferSupervision {
    let topology: Topology
    let side: SendingSide
    let captures: [CaptureProcess]
    /// The call the sending side blocks in when the receiver does not read, for `sender.blocked`.
    let blockingCall: String

    /// Waits for both transfer agents to finish, firing the scenario's actions
    /// in order as their triggers are observed. A sender killed by a signal has
    /// finished too: its fate is an observation, not an error.
    func supervise(_ context: inout ScenarioContext) throws -> StagingRecord {
        var staging = StagingRecord()
        guard let receiver = side.receiver else { return staging }
        let scenario = context.scenario
        let sender = side.sender
        let deadline = monotonicNanoseconds() + UInt64(scenario.timeout * 1e9)
        var pending = scenario.actions[...]
        var receiverPaused = false
        var senderMarked = false
        var wireSeen: UInt64 = 0
        var senderPid: Int32? = if case .program(let program, _) = side { program.process.pid } else { nil }
        var senderProof = BlockedProof(call: blockingCall), receiverProof = BlockedProof(call: scenario.receiver.method.blockingCall)
        var runningActor: AgentProcess?
        var datagramsPending = scenario.workload.sender?.transport == .udp
        // A program is not waited for: the transfer is over when its client is done.
        func senderOver() -> Bool { sender.map { $0.finished != nil || $0.hasEnded } ?? true }
        let transferAgents = [sender].compactMap { $0 } + [receiver]
        // The cost is counted from the sender's connect (a program's: from now) to the end.
        var measureFrom: (cpu: MachineCPU?, time: UInt64)? = sender == nil ? (MachineCPU.now(), monotonicNanoseconds()) : nil
        while !senderOver() || receiver.finished == nil {
            let watching = pending.first.map { $0.triggers.contains(.senderBlocked) || $0.triggers.contains(.receiverBlocked) } == true
            let polled = try context.pollEvents(transferAgents + staging.actors + captures.map(\.agent), timeoutMs: watching ? 2 : 100)
            for (agent, event) in polled {
                switch event {
                case .progress(let bytes) where agent.role == .capture: wireSeen = max(wireSeen, bytes)
                case .paused: receiverPaused = true
                case .marked: senderMarked = true
                case .hello(let pid) where agent === sender: senderPid = pid
                case .connected where agent === sender: measureFrom = (MachineCPU.now(), monotonicNanoseconds())
                case .progress(let bytes):
                    let seconds = Double(monotonicNanoseconds() + UInt64(scenario.timeout * 1e9) - deadline) / 1e9
                    context.runner.report(ProgressReporter.transfer(scenario.name, received: bytes, of: scenario.file.size, seconds: seconds))
                default: break
                }
            }
            if let failure = (transferAgents + staging.actors).lazy.compactMap(\.failure).first {
                throw ScenarioFailure(failure)
            }
            if receiver.hasEnded && receiver.finished == nil { throw ScenarioFailure("receiver agent ended without reporting (\(receiver.process.wait()))") }
            if datagramsPending, senderOver() {
                // A UDP receiver sees no end of stream: it reads on until told.
                try receiver.send(AgentCommand(.senderDone))
                datagramsPending = false
            }
            if let actor = runningActor {
                if actor.finished == nil {
                    if actor.hasEnded { throw ScenarioFailure("actor agent ended without reporting (\(actor.process.wait()))") }
                    continue
                }
                runningActor = nil
            }
            if let action = pending.first {
                // Every trigger of the action must hold; the sender is sampled
                // only once the others do, so the proof is about that moment.
                var fired = (!action.triggers.contains(.receiverPaused) || receiverPaused)
                    && (!action.triggers.contains(.senderMarked) || senderMarked)
                    && (!action.triggers.contains(.senderDone) || senderOver())
                    && (!action.triggers.contains(.wireBytes) || wireSeen >= action.wireBytes ?? 0)
                if fired && action.triggers.contains(.senderBlocked) {
                    fired = false
                    switch senderPid.map({ senderProof.observe($0) }) ?? .unobservable {
                    case .proven(let sample):
                        fired = true
                        staging.blockedIn = blockingCall
                        context.note("sender blocked in \(blockingCall): \(sample.evidence)")
                    case .sampling: break
                    case .unobservable:
                        if senderOver() { throw ScenarioFailure("the sender finished without ever blocking in \(blockingCall) (line \(action.line))") }
                    }
                }
                if fired && action.triggers.contains(.receiverBlocked) {
                    fired = false
                    switch receiver.pid.map({ receiverProof.observe($0) }) ?? .unobservable {
                    case .proven(let sample):
                        fired = true
                        context.note("receiver blocked in \(receiverProof.call): \(sample.evidence)")
                    case .sampling: break
                    case .unobservable:
                        if receiver.finished != nil { throw ScenarioFailure("the receiver finished without ever blocking in \(receiverProof.call) (line \(action.line))") }
                    }
                }
                if fired {
                    pending.removeFirst()
                    if let asked = action.wireBytes {
                        context.note("the capture has seen \(wireSeen) payload bytes (wire.bytes \(asked))")
                    }
                    switch action.kind {
                    case .resumeReceiver:
                        try receiver.send(AgentCommand(.resume))
                        context.note("resume receiver")
                    case .restoreLink:
                        guard case .namespace(let namespace) = topology.receiver.place else { break }
                        let dropped = try LinkLoss.restore(in: namespace)
                        staging.droppedSegments = dropped
                        context.note("restore link: the rule had dropped \(dropped) data segments")
                    case .file(let operation):
                        runningActor = try startActor(operation, on: .source, &staging, &context)
                    case .destination(let operation):
                        runningActor = try startActor(operation, on: .destination, &staging, &context)
                    case .features(let side, let settings):
                        try DeviceFeatureChanges.apply([DeviceFeatureChanges.Request(end: topology.end(side), features: settings)], &context)
                    }
                }
            }
            if monotonicNanoseconds() > deadline {
                throw ScenarioFailure("timed out after \(scenario.timeout) s (sender \(senderOver() ? "done" : "running"), receiver \(receiver.finished == nil ? "running" : "done"))")
            }
        }
        if let action = pending.first {
            throw ScenarioFailure("the transfer ended before the action at line \(action.line) could fire")
        }
        if let from = measureFrom {
            staging.measuredSeconds = Double(monotonicNanoseconds() - from.time) / 1e9
            if let start = from.cpu { staging.machineCPU = MachineCPU.now()?.since(start) }
        }
        return staging
    }

    /// Starts an actor process that performs `operation` on the test file
    /// (at the sender) or on the splice-to-file receiver's destination.
    private func startActor(
        _ operation: FileOperation, on file: ActedFile, _ staging: inout StagingRecord, _ context: inout ScenarioContext
    ) throws -> AgentProcess {
        switch (operation, file) {
        case (.truncate(let size), .source), (.ftruncate(let size), .source): staging.truncatedTo = min(staging.truncatedTo ?? size, size)
        case (.overwrite(_, _, let seed), _): staging.overwriteSeed = seed
        case (.open(let flags), .source): if flags.contains("O_TRUNC") { staging.truncatedTo = 0 }
        default: break  // a truncated destination shortens no stream
        }
        context.note("start actor: \(operation) on the \(file.rawValue) file")
        let place = file == .source ? topology.sender.place : topology.receiver.place
        let path = file == .source ? context.testFile(at: place) : context.paths.received ?? ""
        let actor = context.processes.add(try AgentProcess(
            ActorAgent.self, place: place, executable: context.runner.executable,
            config: ActorConfig(path: path, operation: operation), logPath: context.paths.agentsLog))
        staging.actors.append(actor)
        return actor
    }

    /// Stops each capture agent and collects what it reported.
    static func stopCaptures(_ captures: [CaptureProcess], _ context: ScenarioContext) throws -> [CapturedSide] {
        try captures.map { capture in
            try capture.agent.send(AgentCommand(.stop))
            let done = try context.waitForOutcome(capture.agent, within: 30)
            guard var statistics = done.capture else { throw ScenarioFailure("capture agent reported no statistics") }
            if let (route, local) = capture.fetch {
                try route.fetch(statistics.path, to: local)
                statistics.path = local
            }
            return CapturedSide(side: capture.side, statistics: statistics, peakRSSKiB: done.peakRSSKiB)
        }
    }
}

/// Which file an actor changes.
enum ActedFile: String { case source, destination }

/// Proof that a process sleeps inside one syscall: three samples in a row of
/// /proc/PID/syscall and /proc/PID/stat that show the same sleep inside it.
struct BlockedProof {
    let call: String
    private var samples: [ProcessObserver.Sample] = []

    init(call: String) { self.call = call }

    enum Observation {
        /// The sample that completes the proof.
        case proven(ProcessObserver.Sample)
        /// A sample taken, the proof not complete.
        case sampling
        /// No sample: the process is gone, or the call has no number here.
        case unobservable
    }

    /// Samples `pid` once.
    mutating func observe(_ pid: Int32) -> Observation {
        guard let number = SyscallNumbers.number(of: call),
            let sample = ProcessObserver.blockedSample(in: pid, call: number) ?? ProcessObserver(pid: pid).sample()
        else { return .unobservable }
        samples = ProcessObserver.isBlocked(sample, in: number) && samples.last.map({ $0 == sample }) != false ? samples + [sample] : []
        return samples.count >= 3 ? .proven(sample) : .sampling
    }
}

extension ProcessObserver.Sample {
    /// What the proof rests on, for the scenario's notes.
    var evidence: String { "/proc/\(pid)/syscall \"\(syscallLine.prefix(60))\" state \(state) wchan \(wchan)" }
}
