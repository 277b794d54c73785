import ArgumentParser
import Foundation
import ZclabCore

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List scenarios: default-set mark, name, tags, file and description.",
        discussion: """
            One line per scenario, tab-separated; the first column is `*` for a scenario in
            the default set (what `zclab run` runs with no path, filter or --all), `-` otherwise.
            """)

    @Argument(help: "Scenario files or folders (default: zclab's own scenarios).")
    var paths: [String] = []

    @Option(name: .long, help: "Only scenarios whose name contains, or whose tags include, this (repeatable).")
    var filter: [String] = []

    @Flag(name: .long, help: "Only the default set.")
    var defaultSet = false

    func run() throws {
        let (scenarios, errors) = ScenarioLoader.load(try scenarioFiles(in: try scenarioPaths(paths)))
        let listed = ScenarioLoader.select(scenarios, filters: filter).filter { !defaultSet || DefaultSet.contains($0) }
        for scenario in listed {
            let mark = DefaultSet.contains(scenario) ? "*" : "-"
            print("\(mark)\t\(scenario.name)\t[\(scenario.tags.joined(separator: ","))]\t\(scenario.path)\t\(scenario.description)")
        }
        printError("\(listed.count) scenarios, \(listed.filter(DefaultSet.contains).count) in the default set (*)")
        for error in errors { printError("\(error)") }
        if !errors.isEmpty { throw ExitCode(2) }
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate scenario files without running them.",
        discussion: "Prints each error as FILE:LINE:COLUMN: message; exit status 2 if any file is invalid.")

    @Argument(help: "Scenario files or folders (default: zclab's own scenarios).")
    var paths: [String] = []

    func run() throws {
        let files = try scenarioFiles(in: try scenarioPaths(paths))
        let (scenarios, errors) = ScenarioLoader.load(files)
        for scenario in scenarios { print("ok \(scenario.path) (\(scenario.name))") }
        for error in errors { printError("\(error)") }
        if !errors.isEmpty { throw ExitCode(2) }
    }
}

struct Env: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show this machine's fingerprint and which capabilities zclab has, with why any is missing.")

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    func run() throws {
        let fingerprint = EnvironmentFingerprint.current()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(fingerprint), as: UTF8.self))
            return
        }
        print("kernel          \(fingerprint.kernelRelease) \(fingerprint.machine)")
        print("libpcap         \(fingerprint.libpcapVersion)")
        print("euid            \(fingerprint.euid)")
        print("RLIMIT_MEMLOCK  \(fingerprint.rlimitMemlock)")
        for (path, value) in fingerprint.sysctls.sorted(by: { $0.key < $1.key }) { print("\(path)  \(value)") }
        print("")
        for (name, state) in fingerprint.capabilities.sorted(by: { $0.key < $1.key }) { print("\(name.padding(toLength: 8, withPad: " ", startingAt: 0)) \(state)") }
        if let blocker = Capabilities.kernelScenarioBlocker(fingerprint.capabilities) {
            print("\nkernel scenarios will be skipped: \(blocker)")
        }
    }
}

struct Clean: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove what killed zclab runs left behind (only zcl* resources).",
        discussion: """
            Undoes the ledgers in /run/zclab of runs whose process is gone (namespaces,
            interfaces, scratch folders, changed sysctls, guests booted for --kernel), then
            removes any other zcl* namespace, root interface, /dev/shm/zcl* folder or
            zcl-vm-* guest (its vng and qemu processes) not owned by a live run.
            """)

    @Flag(name: .long, help: "Also remove resources of runs that still seem alive.")
    var force = false

    func run() throws {
        let report = cleanLeftovers(force: force)
        for item in report.removed { print("removed \(item)") }
        for item in report.skipped { print("kept \(item)") }
        for problem in report.problems { printError("problem: \(problem)") }
        if report.removed.isEmpty && report.problems.isEmpty { print("nothing to clean") }
        if !report.problems.isEmpty { throw ExitCode(1) }
    }
}

struct Keys: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the observation keys an expect: block may name, with the values each takes.",
        discussion: """
            Prints a Markdown table: the key (or its pattern: ACTOR, CALL, SIDE and N stand
            for parts you choose), the kind of value it records, and what it means. The same
            table is in docs/scenario-format.md; `zclab check` accepts exactly these keys.
            With --schema-pattern: the regular expression docs/report.schema.json uses for
            the names in a report's observations.
            """)

    @Flag(name: .long, help: "Print the regular expression of every key's name instead of the table.")
    var schemaPattern = false

    func run() throws {
        print(schemaPattern ? ObservationKeys.namePattern : ObservationKeys.markdownTable, terminator: schemaPattern ? "\n" : "")
    }
}

struct Methods: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the send methods a scenario's sender may use, from the send paths' own declarations.",
        discussion: """
            Prints a Markdown table: the method word (`sender.method`), what it does, the call
            `sender.blocked` looks for, the `sender:` options only it reads, and the calls it
            logs. The same table is in docs/scenario-format.md.
            """)

    func run() throws {
        print(SendMethod.markdownTable, terminator: "")
    }
}
