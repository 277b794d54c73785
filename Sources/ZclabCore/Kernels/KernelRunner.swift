import Foundation

/// Runs zclab's scenarios inside other kernels (`zclab run --kernel`): boots
/// each with virtme-ng and runs the same zclab executable there (the guest
/// sees this machine's root file system read-only) with the same `run`
/// arguments, writing its report, log and captures to RUN/kernels/RELEASE/,
/// the one folder the guest may write. The guest's standard output does not
/// reach vng reliably, so the guest writes everything to that folder and
/// this side relays its log as it grows.
public final class KernelRunner {
    /// The zclab run to make inside each guest.
    public struct Guest: Sendable {
        public var executable: String
        /// `run` and its arguments, without --kernel, --out and --format.
        public var arguments: [String]
        public var workingDirectory: String

        public init(executable: String, arguments: [String], workingDirectory: String) {
            self.executable = executable
            self.arguments = arguments
            self.workingDirectory = workingDirectory
        }
    }

    /// How long a guest may take to start its command: a KVM guest that is
    /// not there by then hangs (and TCG is tried); a TCG guest booted in
    /// about 35 s here with a build running beside it.
    public static let kvmBootDeadline = 30.0
    public static let tcgBootDeadline = 300.0

    /// Folders virtme-ng's guest init covers with an empty tmpfs: a host
    /// path below one is not there for the guest.
    static let hiddenInGuest = ["/run", "/var/tmp", "/var/log", "/var/cache", "/var/lib/apt", "/dev"]

    /// Why the guest cannot use `path` (a scenario, the zclab executable, the
    /// run folder, a kernel), or nil: it must be visible in the guest, and
    /// plain, since vng passes paths to its virtme-run through a shell unquoted.
    public static func pathProblem(_ path: String) -> String? {
        if let hidden = hiddenInGuest.first(where: { path == $0 || path.hasPrefix($0 + "/") }) {
            return "\(path) is below \(hidden), which the guest sees as an empty tmpfs (virtme-ng's init mounts one there)"
        }
        if path.range(of: #"^[A-Za-z0-9._+/@,=~:-]*$"#, options: .regularExpression) == nil {
            return "\(path) has a character virtme-ng would hand to a shell unquoted (use letters, digits and ._+-/@,=~: only)"
        }
        return nil
    }

    /// What a run in a guest has to say while it goes on.
    public enum Progress: Sendable {
        /// About booting: which accelerator, when the guest started.
        case status(release: String, String)
        /// A line of the guest zclab's own output.
        case guestLine(release: String, String)
    }

    /// The programs a guest needs that are not in PATH, with the package to
    /// install (scripts/setup installs them all).
    public static func missingTools(path: String = ProcessInfo.processInfo.environment["PATH"] ?? "") -> [String] {
        let tools = [("vng", "virtme-ng 1.42 from PyPI"), ("qemu-system-x86_64", "Debian's qemu-system-x86"), ("depmod", "Debian's kmod")]
        let folders = path.split(separator: ":")
        return tools.filter { tool, _ in !folders.contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") } }
            .map { "\($0.0) (\($0.1))" }
    }

    let runID: String
    let guest: Guest
    let ledger: ResourceLedger
    let signals: SignalWatch
    let relay: (Progress) -> Void
    /// The accelerator found for each boot path, so a kernel named twice is probed once.
    private var accelerators: [String: Accelerator] = [:]
    private var booted = 0

    /// `relay` hears progress lines, the guest's log lines among them.
    public init(runID: String, guest: Guest, ledger: ResourceLedger, signals: SignalWatch, relay: @escaping (Progress) -> Void) {
        self.runID = runID
        self.guest = guest
        self.ledger = ledger
        self.signals = signals
        self.relay = relay
    }

    /// Where the guest of `release` writes in a run folder: RUN/kernels/RELEASE.
    public static func guestFolder(in runFolder: String, release: String) -> String { "\(runFolder)/kernels/\(release)" }

    /// The guests' report.json files in a run folder, by release.
    public static func guestReports(in runFolder: String) -> [String] {
        let releases = (try? FileManager.default.contentsOfDirectory(atPath: "\(runFolder)/kernels")) ?? []
        return releases.sorted().map { guestFolder(in: runFolder, release: $0) + "/report.json" }
            .filter { FileManager.default.fileExists(atPath: $0) }
    }

    /// Boots `kernel`, KVM first unless it is known not to work, runs the
    /// guest's zclab to the end and reads its report. Writes vm.json.
    public func run(_ kernel: PreparedKernel, runFolder: String) -> KernelOutcome {
        let folder = Self.guestFolder(in: runFolder, release: kernel.release)
        let started = Date()
        var accelerator = accelerators[kernel.bootPath]
        var ending: GuestWatch.Ending = .notStarted(reason: "not booted", console: "")
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            if accelerator == nil, let reason = Accelerator.kvmUnavailable() {
                accelerator = Accelerator(kind: .tcg, reason: "no KVM: \(reason)", probeSeconds: 0)
            }
            if accelerator?.kind ?? .kvm == .kvm {
                relay(.status(release: kernel.release, "booting with KVM (TCG if the guest has not started in \(Int(Self.kvmBootDeadline)) s)"))
                ending = try boot(kernel, .kvm, folder: folder, deadline: Self.kvmBootDeadline)
                let seconds = Date().timeIntervalSince(started)
                switch ending {
                case .finished:
                    accelerator = accelerator ?? Accelerator(kind: .kvm, reason: "the guest started under KVM", probeSeconds: seconds)
                case .notStarted(let why, let console):
                    accelerator = Accelerator(kind: .tcg, reason: "KVM failed: \(why)", console: console, probeSeconds: seconds)
                    relay(.status(release: kernel.release, "KVM failed: \(why); console: \(console)"))
                case .interrupted:
                    break  // not known yet, and nothing more to boot
                }
            }
            if accelerator?.kind == .tcg {
                relay(.status(release: kernel.release, "booting with TCG"))
                ending = try boot(kernel, .tcg, folder: folder, deadline: Self.tcgBootDeadline)
            }
        } catch {
            ending = .notStarted(reason: "vng could not be started: \(error)", console: "")
        }
        accelerators[kernel.bootPath] = accelerator
        let outcome = KernelOutcome(
            kernel: kernel, runID: runID, folder: folder, accelerator: accelerator, bootSeconds: ending.bootSeconds,
            guestUptimeAtStart: GuestFiles(folder: folder).uptimeAtStart, seconds: Date().timeIntervalSince(started),
            result: result(of: ending, folder: folder))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        if let data = try? encoder.encode(outcome.record) {
            _ = FileManager.default.createFile(atPath: "\(folder)/vm.json", contents: data)  // best effort: the summary line says the same
        }
        return outcome
    }

    /// One boot of `kernel` running the guest's zclab, watched until it ends.
    private func boot(_ kernel: PreparedKernel, _ accelerator: Accelerator.Kind, folder: String, deadline: Double) throws -> GuestWatch.Ending {
        let files = GuestFiles(folder: folder)
        files.clear()
        let name = VirtualMachine.name(runID: runID, index: booted)
        booted += 1
        let machine = try VirtualMachine(
            name: name, kernel: kernel, accelerator: accelerator, writable: folder, command: guestCommand(files),
            consoleLog: "\(folder)/vng-\(accelerator.rawValue).log", ledger: ledger)
        let watch = GuestWatch(machine: machine, release: kernel.release, files: files, signals: signals, deadline: deadline, relay: relay)
        return watch.run()
    }

    /// The shell command the guest runs: note the time since boot, run
    /// zclab into the folder, keep its exit status.
    private func guestCommand(_ files: GuestFiles) -> String {
        let run = [guest.executable] + guest.arguments + ["--out", files.folder, "--format", "text"]
        return "cd \(shellQuoted(guest.workingDirectory)) && cut -d' ' -f1 /proc/uptime > \(shellQuoted(files.started)) && "
            + run.map(shellQuoted).joined(separator: " ") + " > \(shellQuoted(files.log)) 2>&1; "
            + "echo $? > \(shellQuoted(files.exitStatus))"
    }

    private func result(of ending: GuestWatch.Ending, folder: String) -> KernelOutcome.Result {
        let files = GuestFiles(folder: folder)
        switch ending {
        case .interrupted(let signal):
            return .interrupted(signal)
        case .notStarted(let why, let console):
            return .failed("the guest did not start zclab: \(why); console: \(console) (\(folder)/vng-*.log)")
        case .finished(let termination, _):
            let status = (try? String(contentsOfFile: files.exitStatus, encoding: .utf8)).flatMap {
                Int32($0.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            guard let status else {
                return .failed("vng \(termination) before the guest's zclab ended; see \(folder)/guest.log and vng-*.log")
            }
            guard let report = try? ReportFile.load("\(folder)/report.json") else {
                return .failed("the guest's zclab exited with status \(status) and wrote no report; see \(files.log)")
            }
            return .report(report, exitStatus: status)
        }
    }
}

/// `text` quoted for a POSIX shell.
func shellQuoted(_ text: String) -> String {
    "'" + text.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
}
