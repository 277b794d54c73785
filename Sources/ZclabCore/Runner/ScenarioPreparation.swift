import Foundation

/// Setting a scenario up: room for its files, its sysctls, captures and agents started.
extension ScenarioExecution {
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
        if case .copy(let copy) = scenario.workload {
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
        if let framing = scenario.workload.sender?.framing { parts.append(framing.summary) }
        guard !parts.isEmpty || spec.mtu != nil else { return nil }
        let sender = switch scenario.workload {
        case .transfer(let sender), .simulation(_, let sender): sender.method.rawValue
        case .program(let program, _): (program.command.first as NSString?)?.lastPathComponent ?? "program"
        case .copy(let copy): copy.method.rawValue
        }
        return ([sender, "MTU \(spec.mtu.map(String.init) ?? "default")"] + parts).joined(separator: "; ")
    }

    func startCaptures(_ topology: Topology) throws {
        for side in scenario.capture.sides {
            let (namespace, interface) = side == .receiver
                ? (topology.receiverNamespace, topology.receiverInterface)
                : (topology.senderNamespace, topology.senderInterface)
            let config = CaptureConfig(
                interface: interface, path: "\(directory)/\(side.rawValue).pcap",
                filter: CaptureConfig.tcpFilter(port: scenario.port, between: topology.senderAddress, and: topology.receiverAddress),
                snaplen: scenario.capture.snaplen,
                bufferSize: scenario.capture.bufferSize ?? CaptureSpec.ringSize(for: scenario.expectedStream.count),
                incomingOnly: interface == "lo",
                sampling: scenario.capture.payload == .full ? nil : CaptureConfig.Sampling(
                    headerBytes: 128, samplePath: "\(directory)/\(side.rawValue)-marks.pcap",
                    windows: scenario.file.dataExtents ?? [], dataPort: scenario.port))
            let agent = try AgentProcess(
                CaptureAgent.self, namespace: namespace, executable: runner.executable, config: config,
                logPath: "\(directory)/agents.log")
            captures.append((side, agent))
            _ = try waitFor(agent, .captureReady, within: 10)
        }
    }

    func startTransfer(_ sender: SenderSpec, _ topology: Topology) throws {
        let receiverConfig = ReceiverConfig(
            host: topology.receiverAddress, port: scenario.port, readSize: scenario.receiver.readSize,
            pauseAfter: scenario.receiver.pauseAfter, receiveBuffer: scenario.receiver.receiveBuffer,
            expected: scenario.file, pieces: scenario.sentRanges)
        let receiver = try AgentProcess(
            ReceiverAgent.self, namespace: topology.receiverNamespace, executable: runner.executable,
            config: receiverConfig, logPath: "\(directory)/agents.log")
        self.receiver = receiver
        _ = try waitFor(receiver, .listening, within: 10)
        let senderConfig = SenderConfig(host: topology.receiverAddress, port: scenario.port, path: filePath, spec: sender)
        self.sender = try AgentProcess(
            SenderAgent.self, namespace: topology.senderNamespace, executable: runner.executable,
            config: senderConfig, logPath: "\(directory)/agents.log")
    }
}
