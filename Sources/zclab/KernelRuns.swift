import ArgumentParser
import Foundation
import ZclabCore

/// `zclab run --kernel SPEC...`: the same run, inside each named kernel in
/// turn, instead of on the running kernel.
extension Run {
    /// The kernels named, parsed (and each path checked) before anything runs.
    func kernelSpecs() throws -> [KernelSpec] {
        try kernel.map { text in
            do { return try KernelSpec.parse(text) } catch { throw usageFailure("\(error)") }
        }
    }

    /// Fetches and unpacks every kernel, then boots each with virtme-ng and
    /// runs this command's scenarios inside it, one kernel after another,
    /// into OUT/kernels/RELEASE/. Prints a summary line per kernel; the exit
    /// status follows the guests' reports, 128 + the signal when one stopped it.
    func runInKernels(_ specs: [KernelSpec], options: RunSession.Options, signals: SignalWatch) throws {
        guard format == .text else {
            throw usageFailure("--format \(format.rawValue) with --kernel: each kernel's report is in OUT/kernels/RELEASE/ (report.json, report.md, report.html)")
        }
        let missing = KernelRunner.missingTools()
        guard missing.isEmpty else {
            throw usageFailure("--kernel needs \(missing.joined(separator: ", ")), not found in PATH: scripts/setup installs them")
        }
        let executable = options.executable
        let cache = KernelCache(folder: KernelCache.defaultFolder())
        let folder = absolutePath(options.outputDirectory)
        for path in [executable, folder, cache.folder] + paths.map(absolutePath) + [baseline].compactMap({ $0 }).map(absolutePath) {
            if let problem = KernelRunner.pathProblem(path) { throw usageFailure("--kernel: \(problem)") }
        }
        try prepareOutputFolder(folder)

        var kernels: [PreparedKernel] = []
        for spec in specs {
            let prepared: PreparedKernel
            do { prepared = try cache.prepare(spec) { note("\(spec): \($0)") } } catch { throw usageFailure("\(error)") }
            if let problem = KernelRunner.pathProblem(prepared.bootPath) { throw usageFailure("--kernel \(spec): \(problem)") }
            if let other = kernels.first(where: { $0.release == prepared.release }) {
                throw usageFailure("--kernel \(spec) and --kernel \(other.spec) are both release \(prepared.release): its run folder would be shared")
            }
            if let remark = prepared.note { note("\(spec): \(remark)") }
            kernels.append(prepared)
        }

        let guest = KernelRunner.Guest(
            executable: executable, arguments: guestArguments(), workingDirectory: FileManager.default.currentDirectoryPath)
        let ledger = ResourceLedger(runID: options.runID)
        let runner = KernelRunner(runID: options.runID, guest: guest, ledger: ledger, signals: signals) { progress in
            switch progress {
            case .status(let release, let text): note("\(release): \(text)")
            case .guestLine(let release, let line): emit("[\(release)] \(line)\n")
            }
        }
        var outcomes: [KernelOutcome] = []
        for kernel in kernels where signals.check() == nil {
            let outcome = runner.run(kernel, runFolder: folder)
            emit(outcome.summaryLine + "\n")
            outcomes.append(outcome)
        }
        for problem in ledger.undoAll() { printError("cleanup: \(problem)") }
        if kernels.count > 1 { emit("kernels:\n" + outcomes.map { "  " + $0.summaryLine + "\n" }.joined()) }
        if let signal = signals.check() {
            printError("zclab: \(Interrupted(signal: signal)); the guest was killed and everything created was removed")
            throw ExitCode(128 + signal)
        }
        let statuses = outcomes.map(\.exitStatus)
        if statuses.contains(2) { throw ExitCode(2) }
        if statuses.contains(where: { $0 != 0 && $0 != 4 }) { throw ExitCode(1) }
        throw ExitCode(statuses.allSatisfy { $0 == 4 } ? 4 : 0)
    }

    /// This command's `run` arguments for the guest: the same options,
    /// paths made absolute, without --kernel, --out and --format (the guest
    /// writes text to its log, into its own folder), and --behaviour report
    /// unless the command says otherwise.
    private func guestArguments() -> [String] {
        var arguments = ["run"] + paths.map(absolutePath)
        if all { arguments.append("--all") }
        arguments += ["--keep-captures", keepCaptures.rawValue, "--backend", backend.rawValue]
        arguments += filter.flatMap { ["--filter", $0] } + namespaceSysctl.flatMap { ["--namespace-sysctl", $0] }
        if let baseline { arguments += ["--baseline", absolutePath(baseline)] }
        // Another kernel's differences from the reference are findings, not failures, unless asked.
        arguments += ["--behaviour", (behaviour ?? .report).rawValue]
        return arguments
    }
}

/// `path` from the working directory, `.` and `..` resolved.
func absolutePath(_ path: String) -> String {
    URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath + "/")).standardizedFileURL.path
}

/// A progress remark on standard error, prefixed as zclab's.
private func note(_ text: String) {
    printError("zclab: \(text)")
}
