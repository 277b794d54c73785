import Foundation

/// Watches one guest from boot to end: notices when it starts zclab (the
/// boot time), relays the lines of the guest's log as they are written,
/// kills it on a signal or when it has not started by the deadline, and
/// always leaves it stopped and out of the ledger.
final class GuestWatch {
    enum Ending {
        /// vng ended after the guest started zclab.
        case finished(Termination, bootSeconds: Double)
        /// The guest never started zclab: why (vng ended, or the deadline
        /// passed), and the console's last line.
        case notStarted(reason: String, console: String)
        case interrupted(Int32)

        var bootSeconds: Double? {
            if case .finished(_, let seconds) = self { return seconds }
            return nil
        }
    }

    private let machine: VirtualMachine
    private let release: String
    private let files: GuestFiles
    private let signals: SignalWatch
    private let deadline: Double
    private let relay: (KernelRunner.Progress) -> Void
    /// How much of the guest's log was relayed, and an unfinished last line.
    private var offset: UInt64 = 0
    private var partial = ""

    init(
        machine: VirtualMachine, release: String, files: GuestFiles, signals: SignalWatch, deadline: Double,
        relay: @escaping (KernelRunner.Progress) -> Void
    ) {
        self.machine = machine
        self.release = release
        self.files = files
        self.signals = signals
        self.deadline = deadline
        self.relay = relay
    }

    func run() -> Ending {
        let start = Date()
        var bootSeconds: Double?
        while true {
            if let signal = signals.check() {
                machine.stop()
                return .interrupted(signal)
            }
            let elapsed = Date().timeIntervalSince(start)
            if bootSeconds == nil && FileManager.default.fileExists(atPath: files.started) {
                bootSeconds = elapsed
                relay(.status(release: release, "booted: zclab started \(Int(elapsed.rounded())) s after vng"))
            }
            relayNewLines()
            if let termination = machine.poll() {
                machine.stop()
                relayNewLines(flush: true)
                if let bootSeconds { return .finished(termination, bootSeconds: bootSeconds) }
                return .notStarted(reason: "vng \(termination) after \(Int(elapsed.rounded())) s", console: lastConsoleLine())
            }
            if bootSeconds == nil && elapsed > deadline {
                machine.stop()
                return .notStarted(reason: "the guest had not started zclab after \(Int(deadline)) s (killed)", console: lastConsoleLine())
            }
            usleep(200_000)
        }
    }

    /// Relays the log's complete new lines (and, at the end, an unfinished one).
    private func relayNewLines(flush: Bool = false) {
        if let handle = FileHandle(forReadingAtPath: files.log) {
            defer { try? handle.close() }
            try? handle.seek(toOffset: offset)
            let data = (try? handle.readToEnd()) ?? Data()
            offset += UInt64(data.count)
            partial += String(decoding: data, as: UTF8.self)
        }
        var lines = partial.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        partial = flush ? "" : lines.removeLast()
        for line in lines where !line.isEmpty { relay(.guestLine(release: release, line)) }
    }

    /// What the console ended with: qemu's own last error (where it stopped
    /// at once, the lines after it are its assertion's), else the guest
    /// kernel's panic (the call trace follows it), else the last line with
    /// text in it (vng pads its output with spaces and carriage returns).
    private func lastConsoleLine() -> String {
        let text = (try? String(contentsOfFile: machine.consoleLog, encoding: .utf8)) ?? ""
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let line = lines.last { $0.hasPrefix("qemu-system") && $0.contains(": error: ") }
            ?? lines.last { $0.contains("Kernel panic") } ?? lines.last
        return line.map { String($0.prefix(200)) } ?? "(empty)"
    }
}
