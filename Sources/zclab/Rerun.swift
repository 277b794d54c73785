import ArgumentParser
import Foundation
import ZclabCore

struct Rerun: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a report's scenarios again, as recorded in it, and compare.",
        discussion: """
            Writes each scenario's text from the report to OUT/scenarios/, runs them, and
            compares the new report with the old one as `zclab report diff` does. Exit
            status 1 on a real change or a failed scenario.
            """)

    @Argument(help: "The report.json to rerun.")
    var report: String

    @Option(name: .long, help: "Output folder (default: the runs folder's RUN-ID, as zclab run).")
    var out: String?

    func run() throws {
        let old = try loadReport(report)
        let output = out ?? "\(Installation.current?.runsFolder() ?? "captures")/\(RunNames.newRunID())"
        let folder = "\(output)/scenarios"
        try prepareOutputFolder(output)
        try prepareOutputFolder(folder)
        var written = 0
        for scenario in old.scenarios {
            guard let text = scenario.scenarioText else {
                printError("\(scenario.name): the report keeps no scenario text; not rerun")
                continue
            }
            try text.write(toFile: "\(folder)/\(scenario.name).yaml", atomically: true, encoding: .utf8)
            written += 1
        }
        guard written > 0 else {
            printError("\(report): no scenario to rerun")
            throw ExitCode(2)
        }
        let settings = old.namespaceSysctls.sorted { $0.key < $1.key }.flatMap { ["--namespace-sysctl", "\($0.key)=\($0.value)"] }
        let run = try Run.parse([folder, "--out", output, "--baseline", report] + settings)
        try run.run()
    }
}
