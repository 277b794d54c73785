import ArgumentParser
import Foundation
import ZclabCore

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare runs on several kernels: verdicts and differing values, scenario by kernel.",
        discussion: """
            Takes report.json files (or run folders; a folder of a `zclab run --kernel` run
            counts each kernel's report in it) and prints a matrix with one row a scenario
            and one column a run's kernel: each verdict, then every value a scenario's
            expectations name that is not the same on every kernel, beside the value the
            scenario expects (what the reference kernel did). Runs are best made with
            `--behaviour report`, so that a kernel's differences are listed, not failed.

            Examples:
              zclab compare captures/RUN-A/report.json captures/RUN-B/report.json
              zclab compare captures/RUN-KERNELS captures/RUN-HOST --format html --out kernels.html

            Exit status 0 (a comparison is a finding, not a verdict), 2 for a report
            that cannot be read.
            """)

    @Argument(help: "report.json files or run folders.")
    var reports: [String]

    @Option(name: .long, help: "markdown or html.")
    var format: Format = .markdown

    @Option(name: .long, help: "Write here instead of standard output.")
    var out: String?

    enum Format: String, ExpressibleByArgument, CaseIterable { case markdown, html }

    func validate() throws {
        guard !reports.isEmpty else { throw ValidationError("name at least one report.json or run folder") }
    }

    func run() throws {
        var loaded: [RunReport] = []
        for path in reports {
            for file in try reportFiles(path) { loaded.append(try loadReport(file)) }
        }
        let comparison = KernelComparison(loaded)
        let text = format == .markdown ? comparison.markdown : comparison.htmlPage
        if let out {
            do { try text.write(toFile: out, atomically: true, encoding: .utf8) } catch {
                printError("\(out): cannot write: \(error.localizedDescription)")
                throw ExitCode(2)
            }
        } else {
            emit(text)
        }
    }

    /// `path` itself, or a run folder's report.json and its kernels' (kernels/*/report.json).
    func reportFiles(_ path: String) throws -> [String] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            printError("\(path): no such file or folder")
            throw ExitCode(2)
        }
        guard isFolder.boolValue else { return [path] }
        let files = ["\(path)/report.json"].filter { FileManager.default.fileExists(atPath: $0) }
            + KernelRunner.guestReports(in: path)
        guard !files.isEmpty else {
            printError("\(path): no report.json in this folder or its kernels/")
            throw ExitCode(2)
        }
        return files
    }
}
