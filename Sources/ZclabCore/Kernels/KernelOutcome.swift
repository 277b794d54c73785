import Foundation

/// What running the scenarios inside one kernel gave, for the summary line
/// and the exit status; `record` is what `kernels/RELEASE/vm.json` keeps.
public struct KernelOutcome: Sendable {
    public enum Result: Sendable {
        /// The guest's zclab wrote its report (`exitStatus`: the guest run's own).
        case report(RunReport, exitStatus: Int32)
        /// No report, and why.
        case failed(String)
        /// A signal stopped it (the guest was killed).
        case interrupted(Int32)
    }

    public let kernel: PreparedKernel
    /// The host run's ID: its tag is in the guest's name (zcl-vm-TAG-N) and ledger.
    public let runID: String
    /// RUN/kernels/RELEASE.
    public let folder: String
    public let accelerator: Accelerator?
    /// From starting vng to the guest starting zclab.
    public let bootSeconds: Double?
    /// The guest's uptime then: its kernel's and init's part of `bootSeconds`.
    public let guestUptimeAtStart: Double?
    public let seconds: Double
    public let result: Result

    /// As a `zclab run` of its own: the guest's status, 1 when no report came.
    public var exitStatus: Int32 {
        switch result {
        case .report(_, let status): status
        case .failed: 1
        case .interrupted(let signal): 128 + signal
        }
    }

    /// One line: "6.1.0-47-amd64: 1 passed, 0 failed, 0 errored, 0 skipped; TCG (...); booted in 33 s, 71 s in all; FOLDER/report.json".
    public var summaryLine: String {
        var line = "\(kernel.release): "
        switch result {
        case .report(let report, _):
            line += ReportRendering.counts(report)
        case .failed(let reason): line += "no report: \(reason)"
        case .interrupted(let signal): line += "\(Interrupted(signal: signal))"
        }
        if let accelerator { line += "; \(accelerator.label) (\(accelerator.reason))" }
        if let bootSeconds { line += "; booted in \(Int(bootSeconds.rounded())) s" }
        line += ", \(Int(seconds.rounded())) s in all"
        if case .report = result { line += "; \(folder)/report.json" }
        return line
    }

    /// vm.json: how the guest ran, beside the guest's own report.
    public struct Record: Codable, Sendable {
        public var runID: String
        public var release: String
        public var kernel: String
        public var accelerator: Accelerator?
        public var bootSeconds: Double?
        public var guestUptimeAtStart: Double?
        public var seconds: Double
        public var memory: String
        public var cpus: Int
        /// The guest run's exit status, or nil when it wrote no report.
        public var guestExitStatus: Int32?
        public var problem: String?

        enum CodingKeys: String, CodingKey {
            case release, kernel, accelerator, seconds, memory, cpus, problem
            case runID = "run_id", bootSeconds = "boot_seconds", guestExitStatus = "guest_exit_status"
            case guestUptimeAtStart = "guest_uptime_at_start"
        }
    }

    public var record: Record {
        var record = Record(
            runID: runID, release: kernel.release, kernel: kernel.spec.description, accelerator: accelerator, bootSeconds: bootSeconds,
            guestUptimeAtStart: guestUptimeAtStart, seconds: seconds, memory: VirtualMachine.memory, cpus: VirtualMachine.cpus)
        switch result {
        case .report(_, let status): record.guestExitStatus = status
        case .failed(let reason): record.problem = reason
        case .interrupted(let signal): record.problem = "\(Interrupted(signal: signal))"
        }
        return record
    }
}
