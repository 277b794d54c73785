import ArgumentParser
import Foundation
import ZclabCore

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure what each send path costs and moves, against send size.",
        discussion: """
            For each send method and send size, on each topology, moves --bytes from
            zclab's sender to its receiver, several times, with no capture running (a
            packet tap changes what is measured), and records: throughput, CPU seconds
            per GB of the sending and receiving processes (getrusage, from the sender's
            connect to the last byte) and of the whole machine including softirq
            (/proc/stat; on a small machine much of the stack's work is charged to no
            process), the sender's calls and zero-copy notifications per GB, and the
            share of notifications that said copied. iperf3 and iperf3 -Z run on the
            same topologies and sizes, for comparison. The crossover is, per path and
            topology, the smallest size at which its median CPU per GB is below
            read+write's, or "never"; it is marked when the ranges overlap there.
            The receiver checks every byte, as in every scenario: that cost is the same
            for every path. A benchmark reports; it never fails on a figure.

            Writes bench.json (docs/bench.schema.json), bench.md and bench.html (with
            charts) to --out, beside the run's report of every measurement's scenario.
            The defaults (9 methods, 4 KiB to 1 MiB, veth and loopback, 3 repetitions,
            256 MiB each) take 5-10 minutes on 2 cores. For example:
              zclab bench --methods read-write,sendfile,msg-zerocopy --sizes 16KiB,256KiB --repetitions 5
            """)

    @Option(name: .long, parsing: .upToNextOption, help: "Send methods, comma-separated (default: all).")
    var methods: [String] = []

    @Option(name: .long, help: "Send sizes, comma-separated (default: 4KiB,16KiB,64KiB,256KiB,1MiB).")
    var sizes: String?

    @Option(name: .long, help: """
        Topologies, comma-separated: veth, loopback (the default: both), and nic: this host sends to a \
        virtio-net guest (--guest-kernel; no iperf3 there, and under TCG the machine's CPU includes the guest's emulation).
        """)
    var topologies: String?

    @Option(name: .long, help: "Measurements of each point (default: 3).")
    var repetitions = 3

    @Option(name: .long, help: "Bytes moved per measurement (default: 256MiB).")
    var bytes = "256MiB"

    @Flag(name: .long, help: "Leave iperf3 out.")
    var noIperf3 = false

    @Option(name: .long, help: "Output folder (default: the runs folder's RUN-ID).")
    var out: String?

    @Option(name: .long, help: "With --topologies nic: the guest's kernel, as `zclab run --guest-kernel` takes it.")
    var guestKernel: String?

    func run() throws {
        let signals = try SignalWatch()
        var plan = BenchPlan()
        let methodWords = methods.flatMap { $0.split(separator: ",").map(String.init) }
        if !methodWords.isEmpty {
            plan.methods = try methodWords.map { word in
                guard let method = SendMethod(rawValue: word) else {
                    throw usageFailure("--methods: '\(word)' is not one of: \(SendMethod.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return method
            }
        }
        if let sizes {
            plan.sizes = try sizes.split(separator: ",").map { word in
                guard let size = ByteCount.parse(String(word)), size > 0, size <= 1 << 30 else {
                    throw usageFailure("--sizes: '\(word)' is not a size from 1 byte to 1 GiB (4KiB, 64KiB, 1MiB...)")
                }
                return size
            }
        }
        if let topologies {
            plan.topologies = try topologies.split(separator: ",").map { word in
                guard let kind = TopologySpec.Kind(rawValue: String(word)) else {
                    throw usageFailure("--topologies: '\(word)' is not veth, loopback or nic")
                }
                return kind
            }
        }
        guard (1 ... 100).contains(repetitions) else { throw usageFailure("--repetitions: 1 to 100, not \(repetitions)") }
        plan.repetitions = repetitions
        guard let moved = ByteCount.parse(bytes), moved >= 1 << 20, moved <= 64 << 30 else {
            throw usageFailure("--bytes: a size from 1 MiB to 64 GiB (256MiB, 1GiB...), not '\(bytes)'")
        }
        plan.bytes = moved
        plan.iperf3 = !noIperf3
        let measurements: [(BenchPlan.Point, Scenario)]
        do { measurements = try plan.scenarios() } catch { throw usageFailure("\(error)") }
        var options = RunSession.Options(executable: try executablePath(), outputDirectory: out)
        options.captureRetention = .none
        do { options.peer = .guest(try guestKernel.map { try KernelSpec.parse($0) }) } catch { throw usageFailure("--guest-kernel: \(error)") }
        try prepareOutputFolder(options.outputDirectory)
        let report = try RunSession.run(measurements.map(\.1), options: options, signals: signals)
        for problem in report.cleanupProblems { printError("cleanup: \(problem)") }
        let bench = BenchReport(
            plan: plan, measured: Array(zip(measurements.map(\.0), report.scenarios)), run: report,
            runReport: "\(options.outputDirectory)/report.json")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(bench).write(to: URL(fileURLWithPath: "\(options.outputDirectory)/bench.json"))
        try bench.markdown.write(toFile: "\(options.outputDirectory)/bench.md", atomically: true, encoding: .utf8)
        try bench.html.write(toFile: "\(options.outputDirectory)/bench.html", atomically: true, encoding: .utf8)
        print(bench.markdown)
        printError("bench: \(options.outputDirectory)/bench.md, bench.json, bench.html")
        if let signal = signals.check() { throw ExitCode(128 + signal) }
    }
}
