import Foundation

/// Watching a transfer: agents' events, actions fired as their triggers hold, the sender proved blocked.
extension ScenarioExecution {
    /// Waits for both transfer agents to finish, firing the scenario's actions
    /// in order as their triggers are observed. A sender killed by a signal has
    /// finished too: its fate is an observation, not an error. `blockingCall`
    /// is the call the sending side blocks in, for `sender.blocked`.
    func superviseTransfer(blockingIn blockingCall: String) throws {
        guard let receiver else { return }
        let deadline = monotonicNanoseconds() + UInt64(scenario.timeout * 1e9)
        var pending = scenario.actions[...]
        var receiverPaused = false
        var senderMarked = false
        var wireSeen: UInt64 = 0
        var senderPid = program?.process.pid
        var blockedSamples: [ProcessObserver.Sample] = []
        var runningActor: AgentProcess?
        // A program is not waited for: the transfer is over when its client is done.
        func senderOver() -> Bool { sender.map { $0.finished != nil || $0.hasEnded } ?? true }
        while !senderOver() || receiver.finished == nil {
            let watching = pending.first?.triggers.contains(.senderBlocked) == true
            let capturing = captures.map(\.agent)
            for (agent, event) in try pollEvents([sender].compactMap { $0 } + [receiver] + actors + capturing, timeoutMs: watching ? 2 : 100) {
                switch event {
                case .progress(let bytes) where agent.role == .capture: wireSeen = max(wireSeen, bytes)
                case .paused: receiverPaused = true
                case .marked: senderMarked = true
                case .hello(let pid) where agent === sender: senderPid = pid
                case .progress(let bytes):
                    let seconds = Double(monotonicNanoseconds() + UInt64(scenario.timeout * 1e9) - deadline) / 1e9
                    runner.report(ProgressReporter.transfer(scenario.name, received: bytes, of: scenario.file.size, seconds: seconds))
                default: break
                }
            }
            if let failure = ([sender].compactMap({ $0 }) + [receiver] + actors).lazy.compactMap(\.failure).first {
                throw ScenarioFailure(failure)
            }
            if receiver.hasEnded && receiver.finished == nil { throw ScenarioFailure("receiver agent ended without reporting (\(receiver.process.wait()))") }
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
                    if let pid = senderPid, let call = SyscallNumbers.number(of: blockingCall),
                        let sample = ProcessObserver.blockedSample(in: pid, call: call) ?? ProcessObserver(pid: pid).sample()
                    {
                        // Proven when three samples in a row show the same sleep inside the call.
                        blockedSamples = ProcessObserver.isBlocked(sample, in: call) && blockedSamples.last.map({ $0 == sample }) != false
                            ? blockedSamples + [sample] : []
                        if blockedSamples.count >= 3 {
                            fired = true
                            blockedIn = blockingCall
                            runnerSteps.append(observation(
                                "sender blocked in \(blockingCall): /proc/\(sample.pid)/syscall \"\(sample.syscallLine.prefix(60))\" state \(sample.state) wchan \(sample.wchan)"))
                        }
                    } else if senderOver() {
                        throw ScenarioFailure("the sender finished without ever blocking in \(blockingCall) (line \(action.line))")
                    }
                }
                if fired {
                    pending.removeFirst()
                    if let asked = action.wireBytes {
                        runnerSteps.append(observation("the capture has seen \(wireSeen) payload bytes (wire.bytes \(asked))"))
                    }
                    switch action.kind {
                    case .resumeReceiver:
                        try receiver.send(AgentCommand(.resume))
                        runnerSteps.append(observation("resume receiver"))
                    case .file(let operation):
                        runningActor = try startActor(operation)
                    case .features(let side, let settings):
                        guard let topology else { break }
                        try applyFeatures([side == .sender
                            ? (topology.senderNamespace, topology.senderInterface, settings)
                            : (topology.receiverNamespace, topology.receiverInterface, settings)])
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
    }

    /// Starts an actor process that performs `operation` on the test file.
    func startActor(_ operation: FileOperation) throws -> AgentProcess {
        switch operation {
        case .truncate(let size), .ftruncate(let size): truncatedTo = min(truncatedTo ?? size, size)
        case .overwrite(_, _, let seed): overwriteSeed = seed
        case .open(let flags): if flags.contains("O_TRUNC") { truncatedTo = 0 }
        }
        runnerSteps.append(observation("start actor: \(operation)"))
        guard let topology else { throw ScenarioFailure("an actor before the topology exists") }
        let actor = try AgentProcess(
            ActorAgent.self, namespace: topology.senderNamespace, executable: runner.executable,
            config: ActorConfig(path: filePath, operation: operation), logPath: "\(directory)/agents.log")
        actors.append(actor)
        return actor
    }

    func stopCaptures() throws -> [(CaptureSpec.Side, CaptureStatistics)] {
        var statistics: [(CaptureSpec.Side, CaptureStatistics)] = []
        for (side, agent) in captures {
            try agent.send(AgentCommand(.stop))
            let done = try waitForOutcome(agent, within: 30)
            guard let stats = done.capture else { throw ScenarioFailure("capture agent reported no statistics") }
            statistics.append((side, stats))
        }
        return statistics
    }

    /// Polls the agents' outputs (and the signal descriptor) once.
    func pollEvents(_ watched: [AgentProcess], timeoutMs: Int32) throws -> [(AgentProcess, AgentEvent)] {
        let live = watched.filter { !$0.hasEnded }
        var fds = live.map { pollfd(fd: $0.output.rawValue, events: Int16(POLLIN), revents: 0) }
        fds.append(pollfd(fd: runner.signals.descriptor, events: Int16(POLLIN), revents: 0))
        _ = poll(&fds, nfds_t(fds.count), timeoutMs)
        try checkSignals()
        var events: [(AgentProcess, AgentEvent)] = []
        for (agent, fd) in zip(live, fds) where fd.revents != 0 {
            events += agent.readEvents().map { (agent, $0) }
        }
        return events
    }

    /// Waits for `kind` from `agent`.
    func waitFor(_ agent: AgentProcess, _ kind: AgentEvent.Kind, within seconds: Double) throws -> AgentEvent {
        let deadline = monotonicNanoseconds() + UInt64(seconds * 1e9)
        while monotonicNanoseconds() < deadline {
            for (_, event) in try pollEvents([agent], timeoutMs: 100) where event.kind == kind { return event }
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
