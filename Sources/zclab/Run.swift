import ArgumentParser
import Foundation
import ZclabCore

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run scenarios and write a report.",
        discussion: """
            Runs every scenario file named, or found below each folder named. With no
            path, no --filter and no --all it runs the default set (the scenarios tagged
            `default`: every family, about a minute) from zclab's own scenarios (the
            checkout's scenarios/, or PREFIX/share/zclab/scenarios when installed);
            `zclab list` marks them. Each run writes to its own folder: report.json,
            report.md, report.html, and per scenario its agent logs and the captures
            --keep-captures keeps. The folder is --out, else captures/RUN-ID in the
            checkout, or $XDG_STATE_HOME/zclab/runs/RUN-ID (~/.local/state/...) when
            installed. Scenario files are all validated first; an invalid one stops the
            run with file:line and exit status 2 before anything is created.

            With --kernel, the scenarios run inside each kernel named instead of on the
            running one (which then runs nothing): zclab boots it with virtme-ng (KVM when
            it works, else TCG, several times slower), runs this same zclab there with the
            same options, and writes each guest's report to OUT/kernels/RELEASE/. Kernels
            are fetched and unpacked into $XDG_CACHE_HOME/zclab/kernels (~/.cache/...),
            never installed. For example:
              zclab run --kernel linux-image-6.1.0-47-amd64-unsigned --filter sendfile
              zclab run --kernel ~/linux/arch/x86/boot/bzImage --filter zerocopy
            """)

    @Argument(help: "Scenario files or folders (default: zclab's own scenarios).")
    var paths: [String] = []

    @Flag(name: .long, help: "Run every scenario, not only the default set (when no path or filter is given).")
    var all = false

    @Option(name: .long, help: """
        Which capture files to keep once a scenario is judged: useful (failed scenarios', small ones and \
        those showing an expected wire difference, up to 120 MiB a run), all, failed or none.
        """)
    var keepCaptures: CaptureRetention = .useful

    @Option(name: .long, help: "Run only scenarios whose name contains, or whose tags include, this (repeatable).")
    var filter: [String] = []

    @Option(name: .long, help: "Output folder for the report and captures (default: the runs folder's RUN-ID).")
    var out: String?

    @Option(name: .long, help: "What to print on standard output: text, json, tap, junit or html.")
    var format: OutputFormat = .text

    @Option(name: .long, help: "An earlier report.json to compare with; a real change makes the exit status 1.")
    var baseline: String?

    @Option(name: .long, help: """
        kernel (real syscalls, namespaces and captures; needs root) or model (the reference model of         MSG_ZEROCOPY notifications: no privileges; it judges zerocopy.* expectations and skips what it does not cover).
        """)
    var backend: ScenarioRunner.Backend = .kernel

    @Option(name: .long, help: """
        NAME=VALUE: a per-namespace sysctl (net/core/optmem_max, net/ipv4/tcp_wmem, net/ipv4/tcp_rmem) to set         in every scenario's namespaces, over the scenario's own; repeatable. Compare with --baseline to see what it changes.
        """)
    var namespaceSysctl: [String] = []

    @Option(name: .long, help: """
        strict or report. The scenarios' expectations are what the reference kernel did. strict: one not met \
        fails the scenario (for the kernel they were recorded on). report: it is a difference (verdict differs, \
        exit status 0), listed with both values; only broken invariants (data integrity, on every kernel) and the \
        keys a scenario lists under strict: fail. Default: strict on the running kernel, report inside --kernel guests.
        """)
    var behaviour: BehaviourPolicy?

    @Option(name: .long, help: ArgumentHelp("""
        Run the scenarios inside this kernel instead of the running one (repeatable: one after another): \
        a Debian package name (linux-image-6.1.0-47-amd64-unsigned; Debian 13's are found too), a .deb, \
        a vmlinuz (its modules from lib/modules/RELEASE above it, or VMLINUZ:MODULESDIR) or a kernel build \
        tree (~/linux, or ~/linux/arch/x86/boot/bzImage). Needs scripts/setup's qemu and virtme-ng.
        """, valueName: "SPEC"))
    var kernel: [String] = []

    @OptionGroup(title: "Across a NIC (scenarios of topology kind nic)")
    var peerOptions: PeerOptions

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json, tap, junit, html
    }

    func run() throws {
        let signals = try SignalWatch()
        let kernels = try kernelSpecs()
        let named = try scenarioPaths(paths)
        let (found, errors) = ScenarioLoader.load(try scenarioFiles(in: named))
        guard errors.isEmpty else {
            for error in errors { printError("\(error)") }
            throw ExitCode(2)
        }
        let scenarios = DefaultSet.select(found, filters: filter, pathsNamed: !paths.isEmpty, all: all)
        guard !scenarios.isEmpty else {
            printError("no scenario matches \(filter.isEmpty ? named.joined(separator: " ") : "--filter \(filter.joined(separator: ", "))")")
            throw ExitCode(2)
        }

        var overrides: [String: String] = [:]
        for setting in namespaceSysctl {
            let parts = setting.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, ScenarioParser.namespaceSysctls.contains(parts[0]) else {
                throw ValidationError("--namespace-sysctl takes NAME=VALUE with NAME one of \(ScenarioParser.namespaceSysctls.joined(separator: ", ")), not \(setting)")
            }
            if let problem = ScenarioParser.sysctlProblem(parts[0], parts[1]) { throw ValidationError("--namespace-sysctl: \(problem)") }
            overrides[parts[0]] = parts[1]
        }
        // Everything that can be wrong with the command line is found before anything runs.
        let old = try baseline.map { try loadReport($0, option: "--baseline") }
        var options = RunSession.Options(executable: try executablePath(), outputDirectory: out)
        options.backend = backend
        options.namespaceSysctls = overrides
        options.captureRetention = keepCaptures
        options.behaviour = behaviour ?? .strict
        let nic = scenarios.contains { $0.topology.kind == .nic }
        if !kernels.isEmpty && peerOptions.given {
            throw usageFailure("--guest-kernel, --peer and the two-host options are not passed into --kernel guests, where kind nic scenarios skip: run them without --kernel")
        }
        options.peer = try peerOptions.choice(nic: nic)
        if case .remote(let peer) = options.peer { announceChanges(scenarios, peer) }
        if !kernels.isEmpty { return try runInKernels(kernels, options: options, signals: signals) }
        try prepareOutputFolder(options.outputDirectory)
        let stream = ResultStream(format.reportFormat, names: scenarios.map(\.name))
        emit(stream?.header ?? "")
        let report = try RunSession.run(scenarios, options: options, signals: signals) { result, index in
            emit(stream?.lines(for: result, number: index + 1) ?? "")
        }
        for problem in report.cleanupProblems { printError("cleanup: \(problem)") }
        emit(stream?.footer(report) ?? format.reportFormat.render(report))
        var realChange = false
        if let baseline, let old {
            let changes = ReportTools.diff(old, report)
            let text = ReportTools.describe(changes)
            try text.write(toFile: "\(options.outputDirectory)/baseline-diff.txt", atomically: true, encoding: .utf8)
            FileHandle.standardError.write(Data(("compared with \(baseline):\n" + text).utf8))
            realChange = changes.contains { $0.kind == .real }
        }
        if let signal = signals.check() {
            printError("zclab: \(Interrupted(signal: signal)); everything created was removed")
            throw ExitCode(128 + signal)
        }
        throw ExitCode(realChange && report.exitStatus == 0 ? 1 : report.exitStatus)
    }
}

extension Run.OutputFormat {
    var reportFormat: ReportFormat {
        switch self {
        case .text: .text
        case .json: .json
        case .tap: .tap
        case .junit: .junit
        case .html: .html
        }
    }
}

/// Writes `text` to standard output now, not when the buffer fills: a pipe
/// or CI log sees each result as its scenario finishes.
func emit(_ text: String) {
    guard !text.isEmpty else { return }
    print(text, terminator: "")
    fflush(nil)  // every output stream; naming `stdout` is not concurrency-safe in Swift 6
}

extension ScenarioRunner.Backend: ExpressibleByArgument {}
extension CaptureRetention: ExpressibleByArgument {}
extension BehaviourPolicy: ExpressibleByArgument {}

/// The scenario paths a command works on: those named, else zclab's own
/// scenarios found from the executable's path, else ./scenarios; when there
/// is none of these, an error that says where they were looked for.
func scenarioPaths(_ named: [String]) throws -> [String] {
    if !named.isEmpty { return named }
    if let installation = Installation.current { return [installation.scenarios] }
    if FileManager.default.fileExists(atPath: "scenarios") { return ["scenarios"] }
    throw ValidationError("""
        no scenarios found: none next to this zclab (PREFIX/share/zclab/scenarios for PREFIX/bin/zclab, \
        as scripts/install puts them, or a checkout's scenarios/) and no ./scenarios; name a scenario file or folder
        """)
}

/// The running executable's own path, for starting agents (/proc/self/exe
/// would name `ip` once `ip netns exec` runs).
func executablePath() throws -> String {
    try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
