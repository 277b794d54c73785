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
            """)

    @Argument(help: "report.json files of runs.")
    var reports: [String]

    @Option(name: .long, help: "The claims file (default: zclab's own docs/claims.yaml, or PREFIX/share/doc/zclab/claims.yaml).")
    var claims: String?

    func run() throws {
        let claimList: [Claim]
        do { claimList = try Findings.loadClaims(claims ?? Installation.current?.claims ?? "docs/claims.yaml") } catch {
            printError("\(error)")
            throw ExitCode(2)
        }
        var runs: [RunReport] = []
        for path in reports {
            do {
                runs.append(try JSONDecoder().decode(RunReport.self, from: Data(contentsOf: URL(fileURLWithPath: path))))
            } catch {
                printError("\(path): not a zclab report: \(error)")
                throw ExitCode(2)
            }
        }
        print(Findings.markdown(claimList, reports: runs), terminator: "")
    }
}
