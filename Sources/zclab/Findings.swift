import ArgumentParser
import Foundation
import ZclabCore

struct FindingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "findings",
        abstract: "Judge the seed articles' claims against run reports, as Markdown.",
        discussion: """
            Each claim in the claims file names the scenarios that test it and the
            observations under which it holds. Regenerate docs/findings.md with:

              zclab run --out /tmp/run
              zclab findings /tmp/run/report.json > docs/findings.md

            With --by-kernel, one column a kernel (the reports' kernel releases), e.g.
            for the runs of `zclab run --kernel ...` and one on the running kernel:

              zclab findings --by-kernel RUN/kernels/*/report.json HOST/report.json
            """)

    @Argument(help: "report.json files of runs.")
    var reports: [String]

    @Flag(name: .long, help: "One column a kernel: each claim judged on each kernel the reports ran on.")
    var byKernel = false

    @Option(name: .long, help: "The claims file (default: zclab's own docs/claims.yaml, or PREFIX/share/doc/zclab/claims.yaml).")
    var claims: String?

    func run() throws {
        let claims = claims ?? Installation.current?.claims ?? "docs/claims.yaml"
        guard FileManager.default.fileExists(atPath: claims) else { throw usageFailure("--claims \(claims): no such file") }
        let claimList: [Claim]
        do { claimList = try Findings.loadClaims(claims) } catch {
            printError("\(error)")
            throw ExitCode(2)
        }
        let runs = try reports.map { try loadReport($0) }
        print(byKernel ? Findings.markdownByKernel(claimList, reports: runs) : Findings.markdown(claimList, reports: runs), terminator: "")
    }
}
