import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A guest booted with virtme-ng (`vng`) that runs one shell command: it sees
/// this machine's root file system read-only and `writable` read-write, at
/// the same paths. vng, its virtme-run and qemu all carry the guest's name
/// (`vng --name`, qemu's `-name`) on their command lines, which is how the
/// ledger finds them again to kill them, even after zclab itself was killed.
final class VirtualMachine {
    /// Guest size: room for zclab's scenarios (tmpfs test files up to a few
    /// hundred MiB) on a 2-core machine with a build going on beside it.
    static let memory = "4G"
    static let cpus = 2

    let name: String
    /// vng's output, with the guest's console.
    let consoleLog: String
    private let child: ChildProcess
    private let ledger: ResourceLedger

    /// Records the guest in `ledger`, then starts it, in `namespace` when
    /// given (where qemu opens its tap), with vng's further `options`; vng's
    /// own output (with the guest console: `--verbose`) goes to `consoleLog`.
    init(
        name: String, kernel: PreparedKernel, accelerator: Accelerator.Kind, writable: String, command: String,
        consoleLog: String, ledger: ResourceLedger, namespace: String? = nil, options: [String] = []
    ) throws(Errno) {
        var arguments = [
            "vng", "--run", kernel.bootPath, "--name", name, "--memory", Self.memory, "--cpus", "\(Self.cpus)",
            "--rwdir", writable, "--verbose",
        ]
        if accelerator == .tcg { arguments.append("--disable-kvm") }
        arguments += options + ["--exec", command]
        if let namespace { arguments = ["ip", "netns", "exec", namespace] + arguments }
        self.name = name
        self.consoleLog = consoleLog
        self.ledger = ledger
        ledger.add(.virtualMachine(name: name))
        // Standard input a pipe closed at once: vng must not take over the user's terminal.
        child = try ChildProcess(arguments, pipeInput: true, outputPath: consoleLog, errorPath: consoleLog)
        try? child.input?.close()
    }

    /// How vng ended, or nil while it runs.
    func poll() -> Termination? { child.poll() }

    /// Kills the guest (qemu, virtme-run, vng), waits for vng, and forgets
    /// the ledger entry.
    func stop() {
        ledger.undo([.virtualMachine(name: name)])
        Glibc.kill(-child.pid, SIGKILL)  // and anything else vng started in its process group
        child.wait()
    }

    /// Kills every process whose command line carries `name` as one of its
    /// words or inside one (`sh -c "virtme-run ... --name NAME ..."`), and waits
    /// up to 5 s for them to go. Returns the pids that were signalled.
    @discardableResult
    static func kill(named name: String) -> [pid_t] {
        let found = processes(named: name)
        for pid in found { Glibc.kill(pid, SIGKILL) }
        for _ in 0..<50 where found.contains(where: { isRunning($0) }) { usleep(100_000) }
        return found
    }

    /// Processes (other than this one) with `name` among the words of their
    /// command line, or of one of its arguments: exactly, so that guest
    /// zcl-vm-TAG-1 is not taken for zcl-vm-TAG-10.
    static func processes(named name: String) -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { pid_t($0) }.filter { pid in
            guard pid != getpid(), let line = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            return line.split(separator: 0).contains { argument in
                String(decoding: argument, as: UTF8.self).split(separator: " ").contains { $0 == name }
            }
        }
    }

    /// Names of guests (`zcl-vm-...`) whose processes run now.
    static func runningNames() -> Set<String> {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        var names: Set<String> = []
        for pid in entries.compactMap({ pid_t($0) }) {
            guard let line = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { continue }
            let words = line.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            for (word, next) in zip(words, words.dropFirst()) where (word == "--name" || word == "-name") && next.hasPrefix(namePrefix) {
                names.insert(next)
            }
        }
        return names
    }

    static let namePrefix = "zcl-vm-"

    /// The name of a run's `index`th guest: zcl-vm-TAG-INDEX.
    static func name(runID: String, index: Int) -> String { "\(namePrefix)\(RunNames.tag(of: runID))-\(index)" }

    /// Running and not a zombie.
    private static func isRunning(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        return stat.lastIndex(of: ")").map { stat[stat.index(after: $0)...].first { $0 != " " } != "Z" } ?? false
    }
}
