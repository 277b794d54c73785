import Foundation

/// One measurement's figures, per GB (10^9 bytes) moved.
public struct BenchSample: Codable, Sendable {
    public var point: BenchPlan.Point
    /// The scenario's verdict and reason: a measurement that did not pass counts for nothing.
    public var verdict: ScenarioResult.Verdict
    public var reason: String?
    public var gbitPerSecond: Double?
    /// CPU seconds per GB of the sending and receiving processes (getrusage),
    /// of the whole machine (/proc/stat: softirq included), and of softirq alone.
    public var senderCPU: Double?
    public var receiverCPU: Double?
    public var machineCPU: Double?
    public var softirqCPU: Double?
    /// The sender's calls, and its zero-copy notifications, per GB.
    public var callsPerGB: Double?
    public var notificationsPerGB: Double?
    /// Of those notifications, the share that said the data was copied (0 ... 1).
    public var copiedShare: Double?

    enum CodingKeys: String, CodingKey {
        case point, verdict, reason
        case gbitPerSecond = "gbit_per_second", senderCPU = "sender_cpu_s_per_gb", receiverCPU = "receiver_cpu_s_per_gb"
        case machineCPU = "machine_cpu_s_per_gb", softirqCPU = "softirq_cpu_s_per_gb", callsPerGB = "calls_per_gb"
        case notificationsPerGB = "notifications_per_gb", copiedShare = "copied_share"
    }

    init(point: BenchPlan.Point, verdict: ScenarioResult.Verdict) {
        self.point = point
        self.verdict = verdict
    }

    /// The figures of `result`, the scenario that measured `point` moving `bytes`.
    init(_ point: BenchPlan.Point, _ result: ScenarioResult, bytes: UInt64) {
        self.point = point
        verdict = result.verdict
        reason = result.verdict == .pass ? nil : result.reason
        guard result.verdict == .pass else { return }
        let gigabytes = Double(bytes) / 1e9
        let observations = result.observations
        func number(_ key: String) -> Double? {
            switch observations[key] {
            case .number(let value)?: Double(value)
            case .text(let text)?: Double(text)
            default: nil
            }
        }
        if point.path.hasPrefix("iperf3") {
            // iperf3's own figures: its client sends (host CPU %), its server receives (remote CPU %).
            guard let bitsPerSecond = number("client.record.bits_per_second"), bitsPerSecond > 0 else { return }
            gbitPerSecond = bitsPerSecond / 1e9
            let secondsPerGB = 8e9 / bitsPerSecond
            senderCPU = number("client.record.sender_cpu_percent").map { $0 / 100 * secondsPerGB }
            receiverCPU = number("client.record.receiver_cpu_percent").map { $0 / 100 * secondsPerGB }
            return
        }
        guard let resources = result.resources, let seconds = resources.measuredSeconds, seconds > 0 else { return }
        gbitPerSecond = Double(bytes) * 8 / seconds / 1e9
        senderCPU = resources.cpuSeconds?["sender"].map { $0 / gigabytes }
        receiverCPU = resources.cpuSeconds?["receiver"].map { $0 / gigabytes }
        callsPerGB = Double(result.steps.filter { $0.actor == "sender" }.reduce(0) { $0 + $1.calls }) / gigabytes
        for prefix in ["zerocopy", "uring"] {
            guard let total = number("\(prefix).notifications"), let copied = number("\(prefix).copied_notifications") else { continue }
            notificationsPerGB = total / gigabytes
            copiedShare = total > 0 ? copied / total : nil
        }
        machineCPU = resources.machineCPUSeconds.map { $0 / gigabytes }
        softirqCPU = resources.softirqSeconds.map { $0 / gigabytes }
    }
}

/// A figure over the repetitions: median, smallest and largest.
public struct Spread: Codable, Sendable, Equatable {
    public var median: Double
    public var min: Double
    public var max: Double

    public init(median: Double, min: Double, max: Double) {
        self.median = median
        self.min = min
        self.max = max
    }

    init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        median = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        min = sorted[0]
        max = sorted[sorted.count - 1]
    }
}

/// One path at one size on one topology, over its repetitions.
public struct BenchRow: Codable, Sendable {
    public var topology: String
    public var path: String
    public var size: UInt64
    /// Repetitions that passed, of those run.
    public var measured: Int
    public var runs: Int
    public var gbitPerSecond: Spread?
    public var senderCPU: Spread?
    public var receiverCPU: Spread?
    public var machineCPU: Spread?
    public var softirqCPU: Spread?
    public var callsPerGB: Spread?
    public var notificationsPerGB: Spread?
    public var copiedShare: Spread?

    enum CodingKeys: String, CodingKey {
        case topology, path, size, measured, runs
        case gbitPerSecond = "gbit_per_second", senderCPU = "sender_cpu_s_per_gb", receiverCPU = "receiver_cpu_s_per_gb"
        case machineCPU = "machine_cpu_s_per_gb", softirqCPU = "softirq_cpu_s_per_gb", callsPerGB = "calls_per_gb"
        case notificationsPerGB = "notifications_per_gb", copiedShare = "copied_share"
    }

    init(_ samples: [BenchSample]) {
        let first = samples[0].point
        topology = first.topology
        path = first.path
        size = first.size
        runs = samples.count
        let passed = samples.filter { $0.verdict == .pass }
        measured = passed.count
        func spread(_ figure: (BenchSample) -> Double?) -> Spread? { Spread(passed.compactMap(figure)) }
        gbitPerSecond = spread(\.gbitPerSecond)
        senderCPU = spread(\.senderCPU)
        receiverCPU = spread(\.receiverCPU)
        machineCPU = spread(\.machineCPU)
        softirqCPU = spread(\.softirqCPU)
        callsPerGB = spread(\.callsPerGB)
        notificationsPerGB = spread(\.notificationsPerGB)
        copiedShare = spread(\.copiedShare)
    }
}

/// Where a path starts to cost less CPU per GB than read+write, on one topology.
public struct Crossover: Codable, Sendable {
    public var topology: String
    public var path: String
    /// "machine" (all CPUs, softirq included) or "sender" (the sending process).
    public var cost: String
    /// The smallest size measured from which on its median is below
    /// read+write's at every size; nil when there is none.
    public var size: UInt64?
    /// Whether, at that size, even its largest figure is below read+write's smallest.
    public var certain: Bool
    /// Every size at which its median is below read+write's.
    public var cheaperAt: [UInt64]

    enum CodingKeys: String, CodingKey {
        case topology, path, cost, size, certain
        case cheaperAt = "cheaper_at"
    }

    /// "from 64 KiB", "from 16 KiB (the ranges overlap there)", "only at 4 KiB" (cheaper
    /// at some sizes, not at every larger one), or "never".
    public var statement: String {
        guard let size else {
            return cheaperAt.isEmpty ? "never" : "only at " + cheaperAt.map(ByteCount.describe).joined(separator: ", ")
        }
        return "from \(ByteCount.describe(size))" + (certain ? "" : " (the ranges overlap there)")
    }

    static func find(_ rows: [BenchRow], cost: String, _ figure: (BenchRow) -> Spread?) -> [Crossover] {
        let baseline = Dictionary(rows.filter { $0.path == SendMethod.readWrite.rawValue }.map { ("\($0.topology) \($0.size)", $0) }) { first, _ in first }
        let paths = Dictionary(grouping: rows.filter { $0.path != SendMethod.readWrite.rawValue && !$0.path.hasPrefix("iperf3") }) { "\($0.topology) \($0.path)" }
        return paths.keys.sorted().compactMap { key in
            let series = paths[key]!.sorted { $0.size < $1.size }
            var crossover = Crossover(topology: series[0].topology, path: series[0].path, cost: cost, size: nil, certain: false, cheaperAt: [])
            let compared = series.compactMap { row in
                figure(row).flatMap { own in baseline["\(row.topology) \(row.size)"].flatMap(figure).map { (row.size, own, $0) } }
            }
            guard !compared.isEmpty else { return nil }
            crossover.cheaperAt = compared.filter { $0.1.median < $0.2.median }.map(\.0)
            // The first size of the cheaper run that lasts to the largest size.
            if let start = compared.indices.first(where: { index in compared[index...].allSatisfy { $0.1.median < $0.2.median } }) {
                crossover.size = compared[start].0
                crossover.certain = compared[start].1.max < compared[start].2.min
            }
            return crossover
        }
    }
}

/// What `zclab bench` measured: every sample, the rows over repetitions, the crossovers.
public struct BenchReport: Codable, Sendable {
    public var zclabVersion = RunSession.zclabVersion
    public var command: [String]
    public var startedAt: String
    public var finishedAt: String
    public var kernel: String
    public var cpus: Int
    public var bytesPerMeasurement: UInt64
    public var repetitions: Int
    public var samples: [BenchSample]
    public var rows: [BenchRow]
    public var crossovers: [Crossover]
    /// Where the run's report of every measurement's scenario is.
    public var runReport: String

    enum CodingKeys: String, CodingKey {
        case command, kernel, cpus, repetitions, samples, rows, crossovers
        case zclabVersion = "zclab_version", startedAt = "started_at", finishedAt = "finished_at"
        case bytesPerMeasurement = "bytes_per_measurement", runReport = "run_report"
    }

    public init(plan: BenchPlan, measured: [(BenchPlan.Point, ScenarioResult)], run: RunReport, runReport: String) {
        command = run.command
        startedAt = run.startedAt
        finishedAt = run.finishedAt ?? run.startedAt
        kernel = run.environment.kernelRelease
        cpus = run.environment.cpus ?? ProcessInfo.processInfo.activeProcessorCount
        bytesPerMeasurement = plan.bytes
        repetitions = plan.repetitions
        self.runReport = runReport
        samples = measured.map { BenchSample($0.0, $0.1, bytes: plan.bytes) }
        let groups = Dictionary(grouping: samples) { "\($0.point.topology)|\($0.point.path)|\($0.point.size)" }
        // Rows in the order their points were first measured.
        let order = Dictionary(samples.enumerated().map { ("\($1.point.topology)|\($1.point.path)|\($1.point.size)", $0) }, uniquingKeysWith: min)
        rows = groups.keys.sorted { order[$0]! < order[$1]! }.map { BenchRow(groups[$0]!) }
        crossovers = Crossover.find(rows, cost: "machine", \.machineCPU) + Crossover.find(rows, cost: "sender", \.senderCPU)
    }
}
