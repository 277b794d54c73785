import ArgumentParser
import Foundation
import ZclabCore

struct Prune: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove old run folders.",
        discussion: """
            Removes run folders inside FOLDER (default: the runs folder, captures/ in a
            checkout or $XDG_STATE_HOME/zclab/runs when installed): all but the newest N
            (--keep N), or those started more than DAYS days ago (--older-than DAYS).
            Only folders with a report.json that reads as a zclab report count as runs;
            nothing else is touched.
            """)

    @Argument(help: "The folder that holds the runs.")
    var folder: String?

    @Option(name: .long, help: "Keep the newest N runs.")
    var keep: Int?

    @Option(name: .long, help: "Remove runs started more than DAYS days ago (fractions allowed).")
    var olderThan: Double?

    @Flag(name: .long, help: "Only print what would be removed.")
    var dryRun = false

    func validate() throws {
        guard (keep == nil) != (olderThan == nil) else { throw ValidationError("give one of --keep N or --older-than DAYS") }
        if let keep, keep < 0 { throw ValidationError("--keep takes a count of 0 or more, not \(keep)") }
        if let olderThan, olderThan < 0 { throw ValidationError("--older-than takes days, 0 or more, not \(olderThan)") }
    }

    func run() throws {
        let folder = folder ?? Installation.current?.runsFolder() ?? "captures"
        let rule: RunPruning.Rule = keep.map(RunPruning.Rule.keepNewest) ?? .olderThan((olderThan ?? 0) * 86_400)
        let runs = RunPruning.runs(in: folder)
        let removed = RunPruning.chosen(runs, by: rule)
        for run in removed {
            if !dryRun {
                do { try FileManager.default.removeItem(atPath: run.path) } catch {
                    printError("\(run.path): \(error.localizedDescription)")
                    throw ExitCode(1)
                }
            }
            print("\(dryRun ? "would remove" : "removed") \(run.path)")
        }
        print("\(runs.count - removed.count) of \(runs.count) runs \(dryRun ? "would be " : "")kept in \(folder)")
    }
}
