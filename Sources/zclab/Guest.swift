import ArgumentParser
import Foundation
import ZclabCore

/// `zclab guest`: the virtio-net guest of `kind: nic` scenarios, booted on
/// its own and kept up, as a stand-in lab host for two-host mode (and for
/// looking around in it with ssh).
struct Guest: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Boot the virtio-net guest and keep it up until Ctrl-C: a lab host to try two-host mode on.",
        discussion: """
            Boots the guest `kind: nic` scenarios use (virtme-ng, its virtio-net device
            joined to a tap in a zcl namespace, a dropbear ssh server inside the guest,
            reached with a key made for this run), prints the `zclab run` command that
            uses it as the peer of two-host mode, and waits. Ctrl-C (or SIGTERM) kills the
            guest and removes the namespace; `zclab clean` does after a kill.
            """)

    @Option(name: .long, help: ArgumentHelp("The guest's kernel, in --kernel's forms (default: this machine's Debian kernel package).", valueName: "SPEC"))
    var guestKernel: String?

    @Option(name: .long, help: "Folder for the guest's console and logs (default: the runs folder's RUN-ID).")
    var out: String?

    func run() throws {
        let signals = try SignalWatch()
        let kernel: KernelSpec?
        do { kernel = try guestKernel.map { try KernelSpec.parse($0) } } catch { throw usageFailure("--guest-kernel: \(error)") }
        var options = RunSession.Options(executable: try executablePath(), outputDirectory: out)
        options.peer = .guest(kernel)
        try prepareOutputFolder(options.outputDirectory)
        let ledger = ResourceLedger(runID: options.runID)
        defer { for problem in ledger.undoAll() { printError("cleanup: \(problem)") } }
        let runner = ScenarioRunner(
            ledger: ledger, outputDirectory: options.outputDirectory, executable: options.executable, signals: signals,
            progress: ProgressReporter(), peer: options.peer)
        let link: PeerLink
        do { link = try runner.peerLink() } catch {
            printError("zclab: \(error)")
            throw ExitCode(signals.check().map { 128 + $0 } ?? 1)
        }
        guard case .namespace(let namespace) = link.localPlace else { throw ExitCode(1) }
        let addresses = [link.ipv4] + [link.ipv6].compactMap { $0 }
        let command = ["ip", "netns", "exec", namespace, options.executable, "run", "--peer", "ssh://\(link.route.destination)",
            "--interface", link.localInterface] + addresses.flatMap { ["--local-address", $0.local, "--peer-address", $0.peer] }
            + link.route.options.flatMap { ["--ssh-option", $0] }
        emit("""
            guest up: \(link.summary)
            two-host mode against it (add scenario paths, e.g. scenarios/nic):
            ready: \(command.joined(separator: " "))
            ssh into it: \(link.route.command(["sh"]).joined(separator: " "))
            Ctrl-C stops it.

            """)
        var signal = signals.check()
        while signal == nil {
            usleep(200_000)
            signal = signals.check()
        }
        printError("zclab: stopping the guest")
        throw ExitCode(128 + (signal ?? SIGINT))
    }
}
