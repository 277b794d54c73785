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

    func perform(into result: inout ScenarioResult) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try checkFreeSpace()
        if let program = scenario.program {
            try checkProgramNeeds(program)
        } else if scenario.sender.method == .ioUringSendZc && scenario.copy == nil {
            try checkIoUring()
        }
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
        if let copy = scenario.copy {
            try performCopy(copy, into: &result)
            return
        }

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
        if let program = scenario.program, let client = scenario.client {
            try startProgram(program, client: client, topology)
        } else {
            try startTransfer(topology)
        }
        let transferStarted = monotonicNanoseconds()
        try superviseTransfer()
        let transferSeconds = Double(monotonicNanoseconds() - transferStarted) / 1e9
        let statistics = try stopCaptures()

        var observations = Observations()
        if !featureEntries.isEmpty {
            observations.addFeatures(featureChanges, sides: [
                topology.receiverInterface: "receiver", topology.senderInterface: "sender",
            ], restored: try restoreFeatures())
            result.topology?.featureChanges = featureChanges
        }
        let receiverEnd = receiver?.stop()
        let receiverDone = receiver?.finished
        let actorSteps = actors.flatMap { $0.finished?.steps ?? [] }
        if let program {
            let running = program.isRunning
            result.agents = ["program": "\(program.stop())", "client": externalClient.map { "\($0)" } ?? "\(receiverEnd!)"]
            result.steps = runnerSteps + actorSteps + (receiverDone?.steps ?? [])
            addProgramObservations(&observations, client: receiverDone?.client, running: running)
            result.client = receiverDone?.client
            if let externalClient { addExternalClientObservations(&observations, ended: externalClient) }
        } else {
            let senderEnd = sender!.stop()
            result.agents = ["sender": "\(senderEnd)", "receiver": receiverEnd.map { "\($0)" } ?? "not started"]
            let senderDone = sender!.finished
            result.steps = runnerSteps + (senderDone?.steps ?? []) + actorSteps + (receiverDone?.steps ?? [])
            result.signals = senderDone?.signals ?? []
            observations.addSender(termination: senderEnd, done: senderDone, blockedIn: blockedIn)
            if let kernel = senderDone?.zerocopy, let (comparison, record) = ZerocopyScenarioModel.compare(scenario, kernel: kernel) {
                observations.addModelComparison(comparison)
                result.model = record
            }
        }
        result.received = receiverDone?.stream
        observations.addCalls(actorSteps, actor: "actor")
        observations.addReceiver(done: receiverDone, truncatedTo: truncatedTo, overwrite: overwrite)
        observations.values["file.size_after"] = .number((try? FileDescriptor.open(filePath, .readOnly)).flatMap { file in
            defer { try? file.close() }
            return try? file.size()
        } ?? -1)

        result.captures = try statistics.flatMap { side, stats in
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
        let dropped = statistics.reduce(0) { $0 + $1.1.dropped + $1.1.interfaceDropped }
        observations.values["capture.dropped"] = .number(Int64(dropped))
        // A program's response starts with its header, as the client received it.
        let header = Array((receiverDone?.client?.header ?? "").utf8)
        let content: any ExpectedContent = scenario.program == nil
            ? scenario.expectedStream : PrefixedContent(prefix: header, base: scenario.file.content)
        // A program's client may ask twice: check its first connection.
        let flow: FlowSelector = receiverDone?.client.flatMap { client in
            guard let server = IPAddress(topology.senderAddress), let peer = IPAddress(topology.receiverAddress) else { return nil }
            return .exact(FlowKey(source: server, sourcePort: scenario.port, destination: peer, destinationPort: client.localPort))
        } ?? .port(scenario.port)
        var frames: [String: FrameStatistics] = [:]
        let judgedSide = statistics.first(where: { $0.0 == .receiver })?.0 ?? statistics.first?.0
        let unpredictable = scenario.client?.command != nil
        if unpredictable, let judged = statistics.first(where: { $0.0 == judgedSide }) {
            // An external client's bytes are its own: count them, do not compare them.
            let busiest = try WireVerifier.flows(inCapture: judged.1.path)
                .first { $0.flow.sourcePort == scenario.port || $0.flow.destinationPort == scenario.port }
            observations.values["wire.payload_bytes"] = .number(Int64(busiest?.payloadBytes ?? 0))
            observations.values["wire.packets"] = .number(Int64(busiest?.packets ?? 0))
        }
        for (side, stats) in statistics where side != judgedSide && stats.samplePath == nil && !unpredictable {
            runner.report("\(scenario.name): verifying \(stats.path)")
            let wire = try WireVerifier.verify(capture: stats.path, flow: flow, expected: content)
                .body(after: UInt64(header.count))
            frames[side.rawValue] = wire.frames
            observations.addFrames(side: side.rawValue, wire, dropped: dropped)
        }
        if let judged = statistics.first(where: { $0.0 == judgedSide }), !unpredictable {
            runner.report("\(scenario.name): verifying \(judged.1.path)")
            if let samples = judged.1.samplePath {
                // Headers of every packet tell whether the whole sequence space went by;
                // the sampled packets are checked byte for byte.
                let headers = try WireVerifier.verify(
                    capture: judged.1.path, flow: .port(scenario.port), expected: content, sampled: true)
                let wire = try WireVerifier.verify(capture: samples, flow: .port(scenario.port), expected: content, sampled: true)
                result.wire = wire
                observations.addWire(wire, dropped: dropped, truncatedTo: truncatedTo, overwrite: overwrite)
                observations.addCoverage(headers)
                observations.addFrames(side: judged.0.rawValue, headers, dropped: dropped, sampled: true)
                frames[judged.0.rawValue] = headers.frames
                let windows = scenario.file.dataExtents ?? []
                let unverified = windows.filter { window in wire.gaps.contains { $0.lower < window.upper && window.lower < $0.upper } }
                observations.values["wire.marks_verified"] = .flag(wire.status == .pass && unverified.isEmpty)
            } else {
                let wire = try WireVerifier.verify(capture: judged.1.path, flow: flow, expected: content)
                    .body(after: UInt64(header.count))
                result.wire = wire
                observations.addWire(wire, dropped: dropped, truncatedTo: truncatedTo, overwrite: overwrite)
                observations.addCoverage(wire)
                observations.addFrames(side: judged.0.rawValue, wire, dropped: dropped)
                frames[judged.0.rawValue] = wire.frames
            }
        }
        result.frames = frames.isEmpty ? nil : frames
        if scenario.program != nil, let wire = result.wire, let received = result.received {
            // The capture and the client saw the same body: as long, and differing (or not) at the same offset.
            observations.values["client.wire_agrees"] = .flag(
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

    /// Sets the scenario's sysctls, each recorded in the ledger with its
    /// value before, so teardown (or `zclab clean`) puts it back.
    func applySysctls() throws {
        for (name, value) in scenario.sysctls.sorted(by: { $0.key < $1.key }) {
            let path = "/proc/sys/" + name
            let original = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            runner.ledger.add(.sysctl(path: path, original: original))
            changedSysctls.append(.sysctl(path: path, original: original))
            try value.write(toFile: path, atomically: false, encoding: .utf8)
            runnerSteps.append(observation("sysctl \(name) = \(value) (was \(original))"))
        }
    }

    /// Copies the test file to another file with the scenario's method and
    /// judges the copy: its calls, its content, and whether holes survived.
    func performCopy(_ copy: CopySpec, into result: inout ScenarioResult) throws {
        let folder = copy.folder(runID: runner.ledger.runID)
        if !FileManager.default.fileExists(atPath: folder) {
            runner.ledger.add(.directory(folder))
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        copyPath = "\(folder)/\(scenario.name).copy"
        let config = CopyConfig(
            source: filePath, destination: copyPath!, method: copy.method, chunk: copy.chunk, expected: scenario.file)
        let agent = try AgentProcess(
            role: "copy", namespace: nil, executable: runner.executable, config: config, logPath: "\(directory)/agents.log")
        copier = agent
        let started = monotonicNanoseconds()
        let done = try waitFor(agent, .done, within: scenario.timeout)
        let seconds = Double(monotonicNanoseconds() - started) / 1e9
        result.agents = ["copier": "\(agent.stop())"]
        result.steps = runnerSteps + (done.steps ?? [])
        var observations = Observations()
        observations.addCalls(done.steps ?? [], actor: "copier")
        if let report = done.copy {
            result.received = report.check
            observations.addCopy(report)
        }
        result.resources = ResourceUse(
            transferSeconds: seconds, secondsPerGiB: seconds / (Double(max(scenario.file.size, 1)) / Double(1 << 30)),
            peakRSSKiB: ["runner": ResourceUse.peakRSSKiBOfThisProcess(), "copier": done.peakRSSKiB ?? 0])
        result.observations = observations.values
        result.assertions = observations.judge(scenario.expectations, dropped: 0)
    }

    /// Skips the scenario, with the numbers, when the test file or its
    /// captures would not fit.
    func checkFreeSpace() throws {
        let dataBytes = scenario.file.dataExtents?.reduce(0) { $0 + $1.count } ?? scenario.file.size
        let streamBytes = scenario.expectedStream.count
        // Whole packets cost about 3% over the payload; headers only, 128 bytes a (up to 64 KiB) frame.
        let perSide = scenario.capture.payload == .marks ? streamBytes / 256 + 2 * dataBytes : streamBytes / 100 * 103
        let captureBytes = perSide * UInt64(scenario.capture.sides.count)
        let fileParent = scenario.fileOnDisk ? RunNames.diskParent : RunNames.scratchParent
        var needs = [(fileParent, dataBytes, "the test file"), (directory, captureBytes, "the captures")]
        if let copy = scenario.copy {
            // A copy that does not keep the holes takes the whole size.
            let parent = copy.destination == .tmpfs ? RunNames.scratchParent : RunNames.diskParent
            needs = parent == fileParent
                ? [(parent, dataBytes + scenario.file.size, "the test file and its copy")]
                : [(fileParent, dataBytes, "the test file"), (parent, scenario.file.size, "the copy")]
        }
        for (path, needed, what) in needs {
            let free = freeBytes(path)
            if free < needed + (64 << 20) {
                throw SkipScenario(reason: "\(what) need \(ByteCount.approximate(needed)) on \(path), which has \(ByteCount.approximate(free)) free")
            }
        }
    }

    /// Skips, with the reason, when io_uring cannot be used here.
    func checkIoUring() throws {
        guard IoUringRing.isBuiltIn else {
            throw SkipScenario(reason: "zclab was built without liburing: install liburing-dev (scripts/setup does) and rebuild")
        }
        let disabled = (try? String(contentsOfFile: "/proc/sys/kernel/io_uring_disabled", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        if disabled == "2" { throw SkipScenario(reason: "kernel.io_uring_disabled = 2: io_uring is disabled on this machine") }
    }

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

    /// Sets the scenario's per-namespace sysctls, then the run's, in each of its namespaces.
    func applyNamespaceSysctls(_ topology: Topology) throws {
        for namespace in Set([topology.senderNamespace, topology.receiverNamespace]).sorted() {
            let settings = scenario.namespaceSysctls.merging(runner.namespaceSysctls) { _, run in run }
            for (name, value) in settings.sorted(by: { $0.key < $1.key }) {
                try runCommand(["ip", "netns", "exec", namespace, "sh", "-c", "echo \"$1\" > \"$2\"", "sh", value, "/proc/sys/" + name])
                runnerSteps.append(observation("sysctl \(name) = \(value) in \(namespace)"))
            }
        }
    }

    /// The scenario's settings that shape frames, in a few words (the offload
    /// matrix's row label); nil when it states none.
    var setting: String? {
        let spec = scenario.topology
        var parts: [String] = []
        func describe(_ features: [String: Bool]) -> String {
            features.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value ? "on" : "off")" }.joined(separator: ", ")
        }
        if !spec.senderFeatures.isEmpty { parts.append("sender " + describe(spec.senderFeatures)) }
        if !spec.receiverFeatures.isEmpty { parts.append("receiver " + describe(spec.receiverFeatures)) }
        if let framing = scenario.sender.framing { parts.append(framing.summary) }
        guard !parts.isEmpty || spec.mtu != nil else { return nil }
        let sender = scenario.program.map { ($0.command.first as NSString?)?.lastPathComponent ?? "program" } ?? scenario.sender.method.rawValue
        return ([sender, "MTU \(spec.mtu.map(String.init) ?? "default")"] + parts).joined(separator: "; ")
    }

    /// Sets the scenario's device features on each end, first recording in
    /// the ledger every changeable feature as it was, then reading them back:
    /// a change can drag others with it, and some features are fixed.
    func applyFeatures(_ topology: Topology) throws {
        var requests: [(namespace: String, interface: String, features: [String: Bool])] = []
        for (namespace, interface, features) in [
            (topology.senderNamespace, topology.senderInterface, scenario.topology.senderFeatures),
            (topology.receiverNamespace, topology.receiverInterface, scenario.topology.receiverFeatures),
        ] where !features.isEmpty {
            // On loopback both ends are the same lo: one request for both.
            if let same = requests.firstIndex(where: { $0.interface == interface && $0.namespace == namespace }) {
                requests[same].features.merge(features) { _, later in later }
            } else {
                requests.append((namespace, interface, features))
            }
        }
        try applyFeatures(requests)
    }

    /// Sets features (short or kernel names) on interfaces, each recorded in
    /// the ledger first with every changeable feature as it was.
    func applyFeatures(_ requests: [(namespace: String, interface: String, features: [String: Bool])]) throws {
        for (namespace, interface, features) in requests {
            let before = try DeviceFeatures.read(namespace: namespace, interface: interface)
            var changes: [String: Bool] = [:]
            for (name, on) in features {
                let names = InterfaceFeatures.expand(name, available: before)
                guard !names.isEmpty else { throw ScenarioFailure("\(interface) has no feature '\(name)'") }
                for kernelName in names { changes[kernelName] = on }
            }
            let entry = ResourceLedger.Entry.features(
                namespace: namespace, interface: interface, original: before.filter { !$0.value.fixed }.mapValues(\.on))
            runner.ledger.add(entry)
            featureEntries.append(entry)
            if featuresBefore[interface] == nil { featuresBefore[interface] = before }
            let after = try DeviceFeatures.write(namespace: namespace, interface: interface, changes)
            runnerSteps.append(observation("features of \(interface): " + changes.sorted { $0.key < $1.key }
                .map { "\($0.key) \($0.value ? "on" : "off") -> \(after[$0.key]?.description ?? "absent")" }.joined(separator: ", ")))
            let changed = after.keys.filter { after[$0]?.on != before[$0]?.on }
            for name in Set(changes.keys).union(changed).sorted() {
                featureChanges.append(FeatureChange(
                    interface: interface, feature: name, before: before[name]?.description ?? "absent",
                    requested: changes[name].map { $0 ? "on" : "off" } ?? "-", after: after[name]?.description ?? "absent",
                    dragged: changes[name] == nil))
            }
        }
    }

    /// Puts the changed interfaces' features back (through the ledger) and
    /// reads them again; true when every feature is as it was before.
    func restoreFeatures() throws -> Bool {
        let problems = runner.ledger.undo(featureEntries)
        guard problems.isEmpty else { throw ScenarioFailure("restoring features: " + problems.joined(separator: "; ")) }
        var restored = true
        for entry in featureEntries {
            guard case .features(let namespace, let interface, _) = entry else { continue }
            let now = try DeviceFeatures.read(namespace: namespace, interface: interface)
            restored = restored && now == featuresBefore[interface]
            for index in featureChanges.indices where featureChanges[index].interface == interface {
                featureChanges[index].restored = now[featureChanges[index].feature]?.description ?? "absent"
            }
            runnerSteps.append(observation("features of \(interface) restored: \(now == featuresBefore[interface] ? "all as before" : "DIFFERENT")"))
        }
        featureEntries = []
        return restored
    }

    /// Offload features of the created interfaces as the scenario runs them, read inside their namespaces.
    func readFeatures(_ topology: Topology) -> [String: [String: String]] {
        var features: [String: [String: String]] = [:]
        for (namespace, interface) in [
            (topology.senderNamespace, topology.senderInterface), (topology.receiverNamespace, topology.receiverInterface),
        ] where features[interface] == nil {
            features[interface] = (try? DeviceFeatures.read(namespace: namespace, interface: interface))?.mapValues(\.description) ?? [:]
        }
        return features
    }

    func startCaptures(_ topology: Topology) throws {
        for side in scenario.capture.sides {
            let (namespace, interface) = side == .receiver
                ? (topology.receiverNamespace, topology.receiverInterface)
                : (topology.senderNamespace, topology.senderInterface)
            let config = CaptureConfig(
                interface: interface, path: "\(directory)/\(side.rawValue).pcap",
                filter: "tcp port \(scenario.port) and host \(topology.senderAddress) and host \(topology.receiverAddress)",
                snaplen: scenario.capture.snaplen,
                bufferSize: scenario.capture.bufferSize ?? CaptureSpec.ringSize(for: scenario.expectedStream.count),
                incomingOnly: interface == "lo",
                sampling: scenario.capture.payload == .full ? nil : CaptureConfig.Sampling(
                    headerBytes: 128, samplePath: "\(directory)/\(side.rawValue)-marks.pcap",
                    windows: scenario.file.dataExtents ?? [], dataPort: scenario.port))
            let agent = try AgentProcess(
                role: "capture", namespace: namespace, executable: runner.executable, config: config,
                logPath: "\(directory)/agents.log")
            captures.append((side, agent))
            _ = try waitFor(agent, .captureReady, within: 10)
        }
    }

    func startTransfer(_ topology: Topology) throws {
        let receiverConfig = ReceiverConfig(
            host: topology.receiverAddress, port: scenario.port, readSize: scenario.receiver.readSize,
            pauseAfter: scenario.receiver.pauseAfter, receiveBuffer: scenario.receiver.receiveBuffer,
            expected: scenario.file, pieces: scenario.sentRanges)
        let receiver = try AgentProcess(
            role: "receiver", namespace: topology.receiverNamespace, executable: runner.executable,
            config: receiverConfig, logPath: "\(directory)/agents.log")
        self.receiver = receiver
        _ = try waitFor(receiver, .listening, within: 10)
        let senderConfig = SenderConfig(host: topology.receiverAddress, port: scenario.port, path: filePath, spec: scenario.sender)
        sender = try AgentProcess(
            role: "sender", namespace: topology.senderNamespace, executable: runner.executable,
            config: senderConfig, logPath: "\(directory)/agents.log")
    }

    /// The content an overwrite action put in the file, or a MSG_ZEROCOPY
    /// script's `modify` in its buffer, if any.
    var overwrite: PatternContent? {
        let modifies = scenario.sender.rewriteAfterSend != nil
            || scenario.sender.zerocopy?.steps?.contains { if case .modify = $0 { true } else { false } } == true
        return (overwriteSeed ?? (modifies ? ZerocopyStep.modifySeed : nil)).map { PatternContent(count: scenario.file.size, seed: $0) }
    }

    /// Waits for both transfer agents to finish, firing the scenario's actions
    /// in order as their triggers are observed. A sender killed by a signal has
    /// finished too: its fate is an observation, not an error.
    func superviseTransfer() throws {
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
        let blockingCall = scenario.program?.blocksIn ?? scenario.sender.method.blockingCall
        while !senderOver() || receiver.finished == nil {
            let watching = pending.first?.triggers.contains(.senderBlocked) == true
            let capturing = captures.map(\.agent)
            for (agent, event) in try pollEvents([sender].compactMap { $0 } + [receiver] + actors + capturing, timeoutMs: watching ? 2 : 100) {
                switch event.kind {
                case .progress where agent.role == "capture": wireSeen = max(wireSeen, event.bytes ?? 0)
                case .paused: receiverPaused = true
                case .marked: senderMarked = true
                case .hello where agent === sender: senderPid = event.pid
                case .progress:
                    let seconds = Double(monotonicNanoseconds() + UInt64(scenario.timeout * 1e9) - deadline) / 1e9
                    runner.report(ProgressReporter.transfer(scenario.name, received: event.bytes ?? 0, of: scenario.file.size, seconds: seconds))
                default: break
                }
            }
            for agent in [sender].compactMap({ $0 }) + [receiver] + actors where agent.failure != nil { throw ScenarioFailure(agent.failure!) }
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
                                "sender blocked in \(blockedIn!): /proc/\(sample.pid)/syscall \"\(sample.syscallLine.prefix(60))\" state \(sample.state) wchan \(sample.wchan)"))
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
        let actor = try AgentProcess(
            role: "actor", namespace: topology!.senderNamespace, executable: runner.executable,
            config: ActorConfig(path: filePath, operation: operation), logPath: "\(directory)/agents.log")
        actors.append(actor)
        return actor
    }

    func observation(_ text: String) -> SyscallStep {
        SyscallStep(actor: "runner", call: "observe", arguments: text, calls: 1, returned: nil, returnMin: nil, returnMax: nil, errno: nil, signal: nil, durationNs: 0)
    }

    func stopCaptures() throws -> [(CaptureSpec.Side, CaptureStatistics)] {
        var statistics: [(CaptureSpec.Side, CaptureStatistics)] = []
        for (side, agent) in captures {
            try agent.send(AgentCommand(.stop))
            let done = try waitFor(agent, .done, within: 30)
            guard let stats = done.capture else { throw ScenarioFailure("capture agent reported no statistics") }
            statistics.append((side, stats))
        }
        return statistics
    }

    /// Polls the agents' outputs (and the signal descriptor) once.
    func pollEvents(_ watched: [AgentProcess], timeoutMs: Int32) throws -> [(AgentProcess, AgentEvent)] {
        let live = watched.filter { !$0.hasEnded }
        var fds = live.map { pollfd(fd: $0.outputDescriptor, events: Int16(POLLIN), revents: 0) }
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
