import Foundation

/// Setting a scenario up: checks that may skip it, the test file and
/// sysctls, the topology with its features, captures, and zclab's agents.
/// Each step records what it creates in the context before going on.
enum ScenarioPreparation {
    /// Skips the scenario, with the numbers, when the test file or its
    /// captures would not fit.
    static func checkFreeSpace(_ scenario: Scenario, directory: String) throws {
        let dataBytes = scenario.file.dataExtents?.reduce(0) { $0 + $1.count } ?? scenario.file.size
        let streamBytes = scenario.expectedStream.count
        // Whole packets cost about 3% over the payload; headers only, 128 bytes a (up to 64 KiB) frame.
        let perSide = scenario.capture.payload == .marks ? streamBytes / 256 + 2 * dataBytes : streamBytes / 100 * 103
        let captureBytes = perSide * UInt64(scenario.capture.sides.count)
        let fileParent = scenario.fileOnDisk ? RunNames.diskParent : RunNames.scratchParent
        var needs: [(path: String, bytes: UInt64, what: String)] = [
            (fileParent, dataBytes, "the test file"), (directory, captureBytes, "the captures"),
        ]
        if case .copy(let copy) = scenario.workload {
            // A copy that does not keep the holes takes the whole size.
            let parent = copy.destination == .tmpfs ? RunNames.scratchParent : RunNames.diskParent
            needs = parent == fileParent
                ? [(parent, dataBytes + scenario.file.size, "the test file and its copy")]
                : [(fileParent, dataBytes, "the test file"), (parent, scenario.file.size, "the copy")]
        }
        for need in needs {
            let free = freeBytes(need.path)
            if free < need.bytes + (64 << 20) {
                throw SkipScenario(reason: "\(need.what) need \(ByteCount.approximate(need.bytes)) on \(need.path), which has \(ByteCount.approximate(free)) free")
            }
        }
    }

    /// Skips, with the reason, when io_uring cannot be used where the sender
    /// runs: on this kernel, or on the peer's (asked with `zclab agent uring-probe`).
    static func checkIoUring(_ requests: [IoUringRing.Request], at place: Place, executable: String) throws {
        guard !requests.isEmpty else { return }
        guard case .peer(let route) = place else {
            if let problem = IoUringRing.problem(with: requests) { throw SkipScenario(reason: problem) }
            return
        }
        let json = String(decoding: try JSONEncoder().encode(requests), as: UTF8.self)
        let problem = try runCommand(place.zclab(["agent", "uring-probe", json], executable: executable))
            .trimmingCharacters(in: .whitespacesAndNewlines)
        if !problem.isEmpty { throw SkipScenario(reason: "on the peer \(route.destination): \(problem)") }
    }

    /// Probes io_uring zero-copy receive on the receiving end's interface,
    /// where it runs (`zclab agent zcrx-probe`), and skips the scenario with
    /// what is missing; zclab does not receive with IORING_OP_RECV_ZC yet, so
    /// a queue that registers skips it too, saying so.
    static func checkZcrx(at end: Endpoint, executable: String) throws {
        let missing = try runCommand(end.place.zclab(["agent", "zcrx-probe", end.interface], executable: executable))
            .trimmingCharacters(in: .whitespacesAndNewlines)
        throw SkipScenario(reason: missing.isEmpty
            ? "RX queue 0 of \(end.interface) took a zcrx registration; zclab does not receive with IORING_OP_RECV_ZC yet"
            : "io_uring zero-copy receive: \(missing)")
    }

    /// The test file in the scratch folder, owned as the scenario says, and the scenario's sysctls.
    static func createTestFile(_ context: inout ScenarioContext) throws {
        let scenario = context.scenario, path = context.paths.file
        let scratch = RunNames.scratchFolder(runID: context.runner.ledger.runID, onDisk: scenario.fileOnDisk)
        if !FileManager.default.fileExists(atPath: scratch) {
            context.runner.ledger.add(.directory(scratch))
            try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        }
        try scenario.file.create(at: path)
        if let owner = scenario.fileOwner {
            guard chown(path, owner, owner) == 0 else { throw ScenarioFailure("chown \(path) to \(owner): \(Errno.current)") }
        }
        try applySysctls(&context)
        try context.checkSignals()
    }

    /// Sets the scenario's sysctls, each recorded in the ledger with its
    /// value before, so teardown (or `zclab clean`) puts it back.
    private static func applySysctls(_ context: inout ScenarioContext) throws {
        for (name, value) in context.scenario.sysctls.sorted(by: { $0.key < $1.key }) {
            let path = "/proc/sys/" + name
            let original = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            context.runner.ledger.add(.sysctl(path: path, original: original))
            context.sysctls.append(.sysctl(path: path, original: original))
            try value.write(toFile: path, atomically: false, encoding: .utf8)
            context.note("sysctl \(name) = \(value) (was \(original))")
        }
    }

    /// Creates the namespaces and links and sets the scenario's device features on them.
    static func createTopology(_ context: inout ScenarioContext) throws -> Topology {
        let runner = context.runner
        let topology = try Topology.create(context.scenario.topology, ledger: runner.ledger, index: context.index) { try runner.peerLink() }
        context.topology = topology
        try DeviceFeatureChanges.applyScenarioFeatures(topology, &context)
        if let loss = context.scenario.loss, case .namespace(let namespace) = topology.receiver.place {
            try LinkLoss.install(loss, port: context.scenario.port, in: namespace)
            context.note("nftables in \(namespace): every data segment to port \(context.scenario.port) from the \(loss.dropFrom)th on dropped on the way in")
        }
        return topology
    }

    /// The report's record of the topology, with the features as the scenario runs them.
    static func record(of topology: Topology, _ scenario: Scenario) -> TopologyRecord {
        TopologyRecord(
            kind: scenario.topology.kind.rawValue, mtu: scenario.topology.mtu,
            sender: "\(topology.sender.place)/\(topology.sender.interface) \(topology.sender.address)",
            receiver: "\(topology.receiver.place)/\(topology.receiver.interface) \(topology.receiver.address)",
            features: DeviceFeatureChanges.read(topology))
    }

    /// The scenario's settings that shape frames, in a few words (the offload
    /// matrix's row label); nil when it states none. Across a NIC there is
    /// always one: the drivers, sender's first.
    static func setting(of scenario: Scenario, _ topology: Topology) -> String? {
        let spec = scenario.topology
        var parts: [String] = []
        if spec.kind == .nic {
            parts.append("\(topology.sender.driver ?? "?") -> \(topology.receiver.driver ?? "?") (\(spec.direction.rawValue))")
        }
        func describe(_ features: [String: Bool]) -> String {
            features.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value ? "on" : "off")" }.joined(separator: ", ")
        }
        if !spec.senderFeatures.isEmpty { parts.append("sender " + describe(spec.senderFeatures)) }
        if !spec.receiverFeatures.isEmpty { parts.append("receiver " + describe(spec.receiverFeatures)) }
        if let framing = scenario.workload.sender?.framing { parts.append(framing.summary) }
        if scenario.receiver.method != .read { parts.append("receiver \(scenario.receiver.method.rawValue)") }
        guard !parts.isEmpty || spec.mtu != nil else { return nil }
        let sender = switch scenario.workload {
        case .transfer(let sender), .simulation(_, let sender): sender.method.rawValue
        case .program(let program, _): (program.command.first as NSString?)?.lastPathComponent ?? "program"
        case .copy(let copy): copy.method.rawValue
        case .pipe: "pipe"
        }
        return ([sender, "MTU \(spec.mtu.map(String.init) ?? "default")"] + parts).joined(separator: "; ")
    }

    /// Sets the scenario's per-namespace sysctls, then the run's, in each
    /// namespace the scenario made (never a peer's, nor zclab's own), and
    /// starts a capture on each side asked for: a peer's writes its file in
    /// the peer's folder, fetched when it stops.
    static func startCaptures(_ topology: Topology, _ context: inout ScenarioContext) throws -> [CaptureProcess] {
        let scenario = context.scenario, directory = context.paths.directory
        for namespace in Set(topology.namespaces).sorted() {
            let settings = scenario.namespaceSysctls.merging(context.runner.namespaceSysctls) { _, run in run }
            for (name, value) in settings.sorted(by: { $0.key < $1.key }) {
                // Kernels before 6.x keep net.core.optmem_max global: the file is absent in a new
                // namespace, which the write reports as exit status 3.
                do {
                    try runCommand(["ip", "netns", "exec", namespace, "sh", "-c", "[ -e \"$2\" ] || exit 3; echo \"$1\" > \"$2\"", "sh", value, "/proc/sys/" + name])
                } catch let error as CommandError where error.termination == .exited(3) {
                    throw SkipScenario(reason: "this kernel has no per-namespace \(name.replacingOccurrences(of: "/", with: ".")) (/proc/sys/\(name) is absent in a new network namespace)")
                }
                context.note("sysctl \(name) = \(value) in \(namespace)")
            }
        }
        var captures: [CaptureProcess] = []
        for side in scenario.capture.sides {
            let end = topology.end(side)
            let local = "\(directory)/\(side.rawValue).pcap"
            let path = end.place.route.map { "\($0.folder)/\(scenario.name)-\(side.rawValue).pcap" } ?? local
            if let route = end.place.route { context.peerFiles.append(PeerFile(route: route, path: path)) }
            let config = CaptureConfig(
                interface: end.interface, path: path,
                filter: CaptureConfig.filter(
                    scenario.workload.sender?.transport ?? .tcp, port: scenario.port, between: topology.sender.address, and: topology.receiver.address),
                snaplen: scenario.capture.snaplen,
                bufferSize: scenario.capture.bufferSize ?? CaptureSpec.ringSize(for: scenario.expectedStream.count),
                incomingOnly: end.interface == "lo",
                sampling: scenario.capture.payload == .full ? nil : CaptureConfig.Sampling(
                    headerBytes: 128, samplePath: "\(directory)/\(side.rawValue)-marks.pcap",
                    windows: scenario.file.dataExtents ?? [], dataPort: scenario.port))
            let agent = context.processes.add(try AgentProcess(
                CaptureAgent.self, place: end.place, executable: context.runner.executable, config: config,
                logPath: context.paths.agentsLog))
            captures.append(CaptureProcess(side: side, agent: agent, fetch: end.place.route.map { ($0, local) }))
            _ = try context.waitFor(agent, .captureReady, within: 10)
        }
        return captures
    }

    /// Starts zclab's receiver, waits until it listens, then starts zclab's sender.
    static func startTransfer(_ sender: SenderSpec, _ topology: Topology, _ context: inout ScenarioContext) throws -> SendingSide {
        let scenario = context.scenario
        let receiverConfig = ReceiverConfig(
            host: topology.receiver.address, port: scenario.port, readSize: scenario.receiver.readSize,
            pauseAfter: scenario.receiver.pauseAfter, receiveBuffer: scenario.receiver.receiveBuffer,
            expected: scenario.file, pieces: scenario.sentRanges, udpSink: sender.zerocopy?.socket == .udpPeer, transport: sender.transport,
            method: scenario.receiver.method, mapSize: scenario.receiver.mapSize, touchAfterEnd: scenario.receiver.touchAfterEnd,
            destination: context.paths.received, check: scenario.receiver.check)
        let receiver = context.processes.add(try AgentProcess(
            ReceiverAgent.self, place: topology.receiver.place, executable: context.runner.executable,
            config: receiverConfig, logPath: context.paths.agentsLog))
        _ = try context.waitFor(receiver, .listening, within: 10)
        try context.placeTestFile(at: topology.sender.place)
        let senderConfig = SenderConfig(
            host: topology.receiver.address, port: scenario.port, path: context.testFile(at: topology.sender.place), spec: sender)
        let agent = context.processes.add(try AgentProcess(
            SenderAgent.self, place: topology.sender.place, executable: context.runner.executable,
            config: senderConfig, logPath: context.paths.agentsLog))
        return .zclab(sender: agent, receiver: receiver)
    }
}
