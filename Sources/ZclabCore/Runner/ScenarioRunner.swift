import Foundation

/// Runs scenarios: builds each one's topology, starts its agents and captures,
/// stages its actions, tears everything down, verifies the wire and judges.
public final class ScenarioRunner {
    public let ledger: ResourceLedger
    public let outputDirectory: String
    /// Path of the zclab executable, for `zclab agent ...` children.
    public let executable: String
    public let signals: SignalWatch
    public let backend: Backend
    /// Per-namespace sysctls set in every scenario's namespaces after the
    /// scenario's own (`zclab run --namespace-sysctl`): to see what one
    /// setting changes across a whole set.
    public let namespaceSysctls: [String: String]
    /// Whether expectations not met fail, or are differences (`BehaviourPolicy`).
    public let behaviour: BehaviourPolicy
    private let progress: ProgressReporter
    /// The second host of `kind: nic` scenarios, made on first use.
    private let peer: PeerConnection

    /// What runs a scenario.
    public enum Backend: String, Sendable, CaseIterable {
        /// Real syscalls in real namespaces, judged on real captures.
        case kernel
        /// The reference model of MSG_ZEROCOPY notifications, without privileges.
        case model
    }

    public init(
        ledger: ResourceLedger, outputDirectory: String, executable: String, signals: SignalWatch, progress: ProgressReporter,
        backend: Backend = .kernel, namespaceSysctls: [String: String] = [:], behaviour: BehaviourPolicy = .strict,
        peer: PeerChoice = .guest(nil)
    ) {
        self.peer = PeerConnection(peer)
        self.backend = backend
        self.behaviour = behaviour
        self.namespaceSysctls = namespaceSysctls
        self.ledger = ledger
        self.outputDirectory = outputDirectory
        self.executable = executable
        self.signals = signals
        self.progress = progress
    }

    /// Runs one scenario (number `index` of the run) and returns its result;
    /// nothing it created is left when it returns.
    public func run(_ scenario: Scenario, index: Int) -> ScenarioResult {
        let started = monotonicNanoseconds()
        var result = ScenarioResult(name: scenario.name, file: scenario.path, tags: scenario.tags, verdict: .error, reason: "")
        result.scenarioText = try? String(contentsOfFile: scenario.path, encoding: .utf8)
        result.scenarioSHA256 = try? sha256(ofFile: scenario.path)
        let onModel = if case .simulation = scenario.workload { true } else { backend == .model }
        if onModel {
            ZerocopyScenarioModel.judge(scenario, into: &result)
            result.durationSeconds = Double(monotonicNanoseconds() - started) / 1e9
            return result
        }
        if let blocker = Capabilities.kernelScenarioBlocker() {
            result.verdict = .skip
            result.reason = blocker
            return result
        }
        var execution = ScenarioExecution(scenario: scenario, index: index, runner: self)
        do {
            try execution.perform(into: &result)
            result.settle(scenario, policy: behaviour)
        } catch let skip as SkipScenario {
            result.verdict = .skip
            result.reason = skip.reason
        } catch {
            result.verdict = .error
            result.reason = "\(error)"
        }
        let problems = execution.tearDown()
        if !problems.isEmpty {
            result.verdict = .error
            result.reason += (result.reason.isEmpty ? "" : "; ") + "teardown: " + problems.joined(separator: "; ")
        }
        result.durationSeconds = Double(monotonicNanoseconds() - started) / 1e9
        return result
    }

    /// Shows `line` as the run's progress.
    func report(_ line: String) { progress.status(line) }

    /// The run's second host, set up on the first call.
    public func peerLink() throws -> PeerLink { try peer.link(self) }

    /// The second host, once a NIC scenario has set it up.
    var secondHost: SecondHost? { peer.secondHost }

    /// Throws `Interrupted` once SIGINT, SIGTERM or SIGHUP has arrived.
    func checkSignals() throws {
        if let signal = signals.check() { throw Interrupted(signal: signal) }
    }
}
