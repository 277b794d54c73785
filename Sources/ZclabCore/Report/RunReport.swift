import Foundation

/// The report of one run, written as report.json (schema in docs/report-schema.md).
public struct RunReport: Codable, Sendable {
    public var zclabVersion: String
    public var runID: String
    public var startedAt: String
    public var finishedAt: String?
    public var command: [String]
    public var outputDirectory: String
    public var environment: EnvironmentFingerprint
    /// Per-namespace sysctls the run set in every scenario (`--namespace-sysctl`).
    public var namespaceSysctls: [String: String] = [:]
    /// How expectations not met counted (`--behaviour`); strict in reports
    /// from before it existed.
    public var behaviour: BehaviourPolicy = .strict
    /// The second host of the run's `kind: nic` scenarios, when one was set up.
    public var secondHost: SecondHost?
    /// What could not be removed or restored at the end of the run (not in report.json).
    public var cleanupProblems: [String] = []
    public var scenarios: [ScenarioResult]
    /// Counts by verdict.
    public var summary: [String: Int] {
        Dictionary(grouping: scenarios, by: { $0.verdict.rawValue }).mapValues(\.count)
    }

    enum CodingKeys: String, CodingKey {
        case zclabVersion = "zclab_version", runID = "run_id", startedAt = "started_at", finishedAt = "finished_at"
        case command, environment, scenarios, summary
        case outputDirectory = "output_directory", namespaceSysctls = "namespace_sysctls", behaviour
        case secondHost = "second_host"
    }

    public init(
        zclabVersion: String, runID: String, startedAt: String, command: [String],
        outputDirectory: String, environment: EnvironmentFingerprint, scenarios: [ScenarioResult] = []
    ) {
        self.zclabVersion = zclabVersion
        self.runID = runID
        self.startedAt = startedAt
        self.command = command
        self.outputDirectory = outputDirectory
        self.environment = environment
        self.scenarios = scenarios
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        zclabVersion = try container.decode(String.self, forKey: .zclabVersion)
        runID = try container.decode(String.self, forKey: .runID)
        startedAt = try container.decode(String.self, forKey: .startedAt)
        finishedAt = try container.decodeIfPresent(String.self, forKey: .finishedAt)
        command = try container.decode([String].self, forKey: .command)
        outputDirectory = try container.decode(String.self, forKey: .outputDirectory)
        environment = try container.decode(EnvironmentFingerprint.self, forKey: .environment)
        namespaceSysctls = try container.decodeIfPresent([String: String].self, forKey: .namespaceSysctls) ?? [:]
        behaviour = try container.decodeIfPresent(BehaviourPolicy.self, forKey: .behaviour) ?? .strict
        secondHost = try container.decodeIfPresent(SecondHost.self, forKey: .secondHost)
        scenarios = try container.decode([ScenarioResult].self, forKey: .scenarios)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(zclabVersion, forKey: .zclabVersion)
        try container.encode(runID, forKey: .runID)
        try container.encode(startedAt, forKey: .startedAt)
        try container.encodeIfPresent(finishedAt, forKey: .finishedAt)
        try container.encode(command, forKey: .command)
        try container.encode(outputDirectory, forKey: .outputDirectory)
        try container.encode(environment, forKey: .environment)
        try container.encode(namespaceSysctls, forKey: .namespaceSysctls)
        try container.encode(behaviour, forKey: .behaviour)
        try container.encodeIfPresent(secondHost, forKey: .secondHost)
        try container.encode(summary, forKey: .summary)
        try container.encode(scenarios, forKey: .scenarios)
    }

    /// The exit status for CI: 0 all that ran passed, 1 any failed or errored,
    /// 4 all skipped (the kselftest convention).
    public var exitStatus: Int32 {
        if scenarios.contains(where: { $0.verdict == .fail || $0.verdict == .error }) { return 1 }
        if !scenarios.isEmpty && scenarios.allSatisfy({ $0.verdict == .skip }) { return 4 }
        return 0
    }
}

/// What happened in one scenario, and the verdict.
public struct ScenarioResult: Codable, Sendable {
    /// `differs`: every invariant held, and an expectation judged as
    /// behaviour (`--behaviour report`) was not met: a difference from the
    /// reference kernel, not a failure.
    public enum Verdict: String, Codable, Sendable, CaseIterable { case pass, differs, fail, skip, error }

    public var name: String
    public var file: String
    /// The scenario file's text and its SHA-256 as run: enough to check the
    /// report's captures again, or to run the scenario again, anywhere.
    public var scenarioText: String?
    public var scenarioSHA256: String?
    public var tags: [String]
    public var verdict: Verdict
    /// Why: the failed assertions, the skip reason or the error.
    public var reason: String
    public var durationSeconds: Double
    public var topology: TopologyRecord?
    public var steps: [SyscallStep]
    /// How each agent ended, by actor.
    public var agents: [String: String]
    public var captures: [CaptureRecord]
    public var wire: WireVerdict?
    /// Frame sizes and checksums of the data direction, by capture side.
    public var frames: [String: FrameStatistics]?
    /// What the scenario set up that shapes the frames (offloads, MTU, method,
    /// socket options), in a few words: the offload matrix's row label.
    public var setting: String?
    public var received: StreamCheck?
    /// A program scenario's client: the response header it read, its port,
    /// how the response ended (what `zclab report verify` needs again).
    public var client: ClientReport?
    /// "model" when the reference model ran the scenario instead of the
    /// kernel (a simulation, or `--backend model`); nil for the kernel.
    public var backend: String?
    /// The kernel's MSG_ZEROCOPY completions next to the model's prediction.
    public var model: ModelComparisonRecord?
    /// Signals the sender received (signal, si_code, file offset of si_addr).
    public var signals: [SignalRecord]
    public var resources: ResourceUse?
    public var observations: [String: ObservedValue]
    public var assertions: [Assertion]

    enum CodingKeys: String, CodingKey {
        case name, file, tags, verdict, reason, topology, steps, agents, captures, wire, frames, setting, received, client, backend, model, signals, resources
        case scenarioText = "scenario_text", scenarioSHA256 = "scenario_sha256"
        case observations, assertions
        case durationSeconds = "duration_seconds"
    }

    /// A result with nothing observed yet.
    public init(name: String, file: String, tags: [String], verdict: Verdict, reason: String) {
        self.name = name
        self.file = file
        self.tags = tags
        self.verdict = verdict
        self.reason = reason
        self.durationSeconds = 0
        self.steps = []
        self.agents = [:]
        self.captures = []
        self.signals = []
        self.observations = [:]
        self.assertions = []
    }
}

/// The network a scenario ran in, as created.
public struct TopologyRecord: Codable, Sendable {
    public var kind: String
    public var mtu: Int?
    public var sender: String
    public var receiver: String
    /// Offload features of each created interface ("name on|off [fixed]"), by interface.
    public var features: [String: [String: String]]
    /// Features the scenario set: requested, what the device then showed,
    /// and what it showed after zclab put the original back.
    public var featureChanges: [FeatureChange]?

    enum CodingKeys: String, CodingKey {
        case kind, mtu, sender, receiver, features
        case featureChanges = "feature_changes"
    }
}

/// One device feature a scenario changed.
public struct FeatureChange: Codable, Sendable, Equatable {
    public var interface: String
    /// The kernel's feature name (tx-tcp-segmentation).
    public var feature: String
    public var before: String
    public var requested: String
    /// Read back after the change: may differ from `requested` when the
    /// feature is fixed or depends on another (no sg without checksumming).
    public var after: String
    /// Read back after restoring the original set; nil until restored.
    public var restored: String?
    /// Changed without being asked, as a consequence of another change.
    public var dragged: Bool

    public init(interface: String, feature: String, before: String, requested: String, after: String, restored: String? = nil, dragged: Bool = false) {
        self.interface = interface
        self.feature = feature
        self.before = before
        self.requested = requested
        self.after = after
        self.restored = restored
        self.dragged = dragged
    }
}

/// One capture file of a scenario.
public struct CaptureRecord: Codable, Sendable {
    public var side: String
    public var path: String
    public var sha256: String
    public var interface: String
    public var packets: UInt64
    public var dropped: UInt64
    public var interfaceDropped: UInt64
    public var snaplen: Int32
    /// The file's size when the scenario was judged.
    public var sizeBytes: UInt64?
    /// Set when the run's capture retention deleted the file afterwards
    /// (`--keep-captures`): why, naming the policy. The SHA-256 and the
    /// verdicts stay; `zclab report verify` cannot check this capture again.
    public var notKept: String?

    enum CodingKeys: String, CodingKey {
        case side, path, sha256, interface, packets, dropped, snaplen
        case interfaceDropped = "interface_dropped", sizeBytes = "size_bytes", notKept = "not_kept"
    }
}

/// Time and memory a scenario took.
public struct ResourceUse: Codable, Sendable {
    /// From starting the transfer's agents to both finishing.
    public var transferSeconds: Double
    /// `transferSeconds` per GiB of the test file.
    public var secondsPerGiB: Double
    /// Peak resident memory in KiB, by process ("runner", "sender", "receiver", "capture-receiver"...).
    public var peakRSSKiB: [String: Int]
    /// From the sender's connect to the receiver's last byte: the transfer alone.
    public var measuredSeconds: Double? = nil
    /// CPU seconds (user and system) of the sender and receiver processes over that time.
    public var cpuSeconds: [String: Double]? = nil
    /// The whole machine's busy CPU seconds over that time (/proc/stat), and its softirq share.
    public var machineCPUSeconds: Double? = nil
    public var softirqSeconds: Double? = nil

    enum CodingKeys: String, CodingKey {
        case transferSeconds = "transfer_seconds", secondsPerGiB = "seconds_per_gib", peakRSSKiB = "peak_rss_kib"
        case measuredSeconds = "measured_seconds", cpuSeconds = "cpu_seconds"
        case machineCPUSeconds = "machine_cpu_seconds", softirqSeconds = "softirq_seconds"
    }

    /// This process's peak resident memory in KiB: VmHWM from
    /// /proc/self/status. (getrusage's ru_maxrss survives execve, so a child
    /// would report its parent's peak.)
    public static func peakRSSKiBOfThisProcess() -> Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
}

/// The kernel's MSG_ZEROCOPY completions compared with the reference model's.
public struct ModelComparisonRecord: Codable, Sendable, Equatable {
    /// Id ranges as read, "lo-hi" ("c": copied), space-separated.
    public var predicted: String
    public var observed: String
    public var agrees: Bool
    /// Where they differ: ids, codes, or only the split into ranges.
    public var differences: String
}

extension ScenarioResult {
    /// It passed although (because) its wire differs from the file: its
    /// expectations asked for the difference (zeros past a truncation, a
    /// rewritten buffer), so the wire's "fail" is the finding. Reports say
    /// so, and the capture policy keeps such captures longer.
    /// Under `differs` too: every invariant held, so the wire differs only
    /// in ways a kernel may ("differs, explained" in the renderings).
    public var wireDiffersAsExpected: Bool { [.pass, .differs].contains(verdict) && wire?.status == .fail }
}

/// The second host of a run's `kind: nic` scenarios, as the report records it.
public struct SecondHost: Codable, Sendable, Equatable {
    /// `uname -r` on the peer.
    public var kernelRelease: String
    /// What the link is: the guest (its accelerator) or the lab host, the interfaces and their drivers.
    public var summary: String

    public init(kernelRelease: String, summary: String) {
        self.kernelRelease = kernelRelease
        self.summary = summary
    }

    enum CodingKeys: String, CodingKey {
        case kernelRelease = "kernel_release", summary
    }
}
