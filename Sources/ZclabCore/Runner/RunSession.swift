import Foundation

/// A run of scenarios, as `zclab run` makes it, for Swift code too: a
/// server's own test suite can parse a scenario (ScenarioParser.parse), run
/// it here and judge the report (docs/programs.md has an example). Kernel
/// scenarios need root and the zclab executable, whose `zclab agent ...`
/// children do the sending, receiving and capturing.
public enum RunSession {
    /// What a run is asked to do beyond its scenarios.
    public struct Options: Sendable {
        /// The zclab executable the agents run as.
        public var executable: String
        /// Where the report and captures go; created if missing.
        public var outputDirectory: String
        public var backend: ScenarioRunner.Backend = .kernel
        /// Per-namespace sysctls set in every scenario (`--namespace-sysctl`).
        public var namespaceSysctls: [String: String] = [:]
        /// The command line to record in the report.
        public var command: [String] = CommandLine.arguments
        /// The run's id: in every name it creates, and its default folder.
        public var runID: String
        /// Which capture files stay once each scenario is judged.
        public var captureRetention: CaptureRetention = .useful
        /// Whether an expectation not met fails, or is a difference.
        public var behaviour: BehaviourPolicy = .strict
        /// The second host of `kind: nic` scenarios: a virtio-net guest, or a lab host.
        public var peer: PeerChoice = .guest(nil)

        /// Options for a run into `outputDirectory` (default: RUNS/RUN-ID,
        /// with RUNS from `Installation.runsFolder`, or ./captures when the
        /// executable's installation is not found).
        public init(executable: String, outputDirectory: String? = nil) {
            self.executable = executable
            runID = RunNames.newRunID()
            let runs = Installation.locate(executable: executable)?.runsFolder() ?? "captures"
            self.outputDirectory = outputDirectory ?? "\(runs)/\(runID)"
        }
    }

    /// Runs `scenarios` one after another and returns the report (also
    /// written as report.json, report.md and report.html). Everything the
    /// run creates is removed when it returns; a signal in `signals` stops
    /// the scenario running (an error verdict), the rest marked not run.
    /// `finished` is called with each result (and its position) as soon as
    /// it is known, so that results can stream to a pipe.
    public static func run(
        _ scenarios: [Scenario], options: Options, signals: SignalWatch, progress: ProgressReporter = ProgressReporter(),
        finished: (ScenarioResult, Int) -> Void = { _, _ in }
    ) throws -> RunReport {
        let runID = options.runID
        try FileManager.default.createDirectory(atPath: options.outputDirectory, withIntermediateDirectories: true)
        let ledger = ResourceLedger(runID: runID)
        let runner = ScenarioRunner(
            ledger: ledger, outputDirectory: options.outputDirectory, executable: options.executable, signals: signals,
            progress: progress, backend: options.backend, namespaceSysctls: options.namespaceSysctls, behaviour: options.behaviour,
            peer: options.peer)
        var report = RunReport(
            zclabVersion: zclabVersion, runID: runID, startedAt: isoTimestamp(), command: options.command,
            outputDirectory: options.outputDirectory, environment: EnvironmentFingerprint.current())
        report.namespaceSysctls = options.namespaceSysctls
        report.behaviour = options.behaviour
        var keptBytes: UInt64 = 0
        for (index, scenario) in scenarios.enumerated() {
            if let signal = signals.check() {
                var skipped = ScenarioResult(name: scenario.name, file: scenario.path, tags: scenario.tags, verdict: .skip, reason: "")
                skipped.reason = "not run: \(Interrupted(signal: signal))"
                report.scenarios.append(skipped)
                finished(skipped, index)
                continue
            }
            progress.status("[\(index + 1)/\(scenarios.count)] \(scenario.name)")
            var result = runner.run(scenario, index: index)
            keptBytes += options.captureRetention.apply(to: &result, keptSoFar: keptBytes)
            report.environment.interfaceFeatures.merge(result.topology?.features ?? [:]) { first, _ in first }
            report.scenarios.append(result)
            progress.clear()
            finished(result, index)
        }
        progress.clear()
        report.secondHost = runner.secondHost
        report.cleanupProblems = ledger.undoAll()
        report.finishedAt = isoTimestamp()
        for (name, format) in [("report.json", ReportFormat.json), ("report.md", .markdown), ("report.html", .html)] {
            try format.render(report).write(toFile: "\(options.outputDirectory)/\(name)", atomically: true, encoding: .utf8)
        }
        return report
    }

    /// zclab's version, as reports record it.
    public static let zclabVersion = "0.1.0"

    static func isoTimestamp() -> String { ISO8601DateFormatter().string(from: Date()) }
}
