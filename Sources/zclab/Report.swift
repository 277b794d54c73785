import ArgumentParser
import Foundation
import ZclabCore

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Check a run report again, compare two, or render one as a web page.",
        subcommands: [VerifyReport.self, DiffReports.self, RenderHTML.self])
}

struct VerifyReport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Re-check a report from its captures alone.",
        discussion: """
            For every capture the report lists: its SHA-256 against the report, then
            the wire verification again from the pcap and the scenario text kept in the
            report, against the recorded verdict. Nothing runs on the kernel side.
            A scenario whose captures the run did not keep (zclab run --keep-captures)
            is listed as NOT KEPT with the capture's size and the policy.
            Exit status 0 when all that could be checked agree, 1 when any does not,
            4 when no capture was kept to check, 2 for a bad report.
            """)

    @Argument(help: "A report.json.")
    var report: String

    func run() throws {
        let checks = ReportTools.verify(try loadReport(report))
        for check in checks {
            let word = switch check.outcome {
            case .agrees: "ok  "
            case .differs: "FAIL"
            case .notKept: "NOT KEPT"
            }
            print("\(word) \(check.scenario): \(check.path): \(check.detail)")
        }
        let notKept = checks.filter { $0.outcome == .notKept }.count
        let failed = checks.filter { $0.outcome == .differs }.count
        print("\(checks.count - failed - notKept) passed, \(failed) failed, \(notKept) not re-checked (capture not kept)")
        if failed > 0 { throw ExitCode(1) }
        if notKept > 0 && notKept == checks.count { throw ExitCode(4) }
    }
}

struct DiffReports: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "What changed between two runs.",
        discussion: """
            Lists, per scenario, every observation that differs. A change of verdict, or
            of a value the scenario expects exactly, is real; a value expected within a
            range or among choices is varying; a value no expectation names is unjudged.
            Exit status 1 when there is a real change (gate a kernel or driver update on it).
            """)

    @Argument(help: "The older report.json.")
    var old: String

    @Argument(help: "The newer report.json.")
    var new: String

    func run() throws {
        let changes = ReportTools.diff(try loadReport(old), try loadReport(new))
        print(ReportTools.describe(changes), terminator: "")
        if changes.contains(where: { $0.kind == .real }) { throw ExitCode(1) }
    }
}

struct RenderHTML: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "html",
        abstract: "Render a report as one self-contained HTML page.",
        discussion: """
            The page zclab run writes as report.html, from any saved report.json: the
            verdicts, findings, offload matrix, and per scenario its assertions, frame
            histograms and syscall timeline. It loads nothing from the network.
            """)

    @Argument(help: "A report.json.")
    var report: String

    @Option(name: .long, help: "Write the page to this file instead of standard output.")
    var out: String?

    func run() throws {
        let page = ReportFormat.html.render(try loadReport(report))
        if let out {
            try writeOutputFile(page, to: out)
        } else {
            print(page, terminator: "")
        }
    }
}
