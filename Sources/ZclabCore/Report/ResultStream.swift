import Foundation

/// The text and TAP formats in pieces, so `zclab run` can print each
/// scenario's lines as it finishes (a CI log or `| tee` shows progress) and
/// still print exactly what the whole report renders to: a header known
/// from the scenario list, the lines of each result, then the totals.
/// JSON, JUnit and HTML only make sense whole and have no stream.
public struct ResultStream: Sendable {
    enum Kind { case text, tap }
    let kind: Kind
    /// Scenario names are padded to the longest, known before any runs.
    let width: Int
    let count: Int

    /// A stream for `format` of a run of the scenarios `names`, or nil when
    /// the format renders only at the end.
    public init?(_ format: ReportFormat, names: [String]) {
        switch format {
        case .text: kind = .text
        case .tap: kind = .tap
        case .json, .junit, .markdown, .html: return nil
        }
        width = names.map(\.count).max() ?? 0
        count = names.count
    }

    /// What comes before the first result.
    public var header: String {
        switch kind {
        case .text: ""
        case .tap: "TAP version 13\n1..\(count)\n"
        }
    }

    /// The lines of result `number` (counted from 1).
    public func lines(for scenario: ScenarioResult, number: Int) -> String {
        var lines: [String] = []
        switch kind {
        case .text:
            let padded = scenario.name.padding(toLength: width, withPad: " ", startingAt: 0)
            var line = "\(scenario.verdict.rawValue.uppercased().padding(toLength: 7, withPad: " ", startingAt: 0)) \(padded)  \(String(format: "%6.2f s", scenario.durationSeconds))"
            if let wire = scenario.wire {
                line += "  wire \(ReportRendering.wireStatus(scenario, wire)), \(ByteCount.describe(wire.bytes))"
            }
            if scenario.backend == "model" { line += "  simulated (reference model)" }
            lines.append(line)
            if scenario.verdict != .pass && !scenario.reason.isEmpty { lines.append("      \(scenario.reason)") }
        case .tap:
            switch scenario.verdict {
            case .pass: lines.append("ok \(number) - \(scenario.name)")
            case .differs:
                // Not a failure: the YAML block says what differs from the reference kernel.
                lines.append("ok \(number) - \(scenario.name)")
                lines.append("  ---")
                lines.append("  verdict: differs")
                lines.append("  differences: \(ReportRendering.yamlQuoted(scenario.reason))")
                lines.append("  ...")
            case .skip: lines.append("ok \(number) - \(scenario.name) # SKIP \(scenario.reason)")
            case .fail, .error:
                lines.append("not ok \(number) - \(scenario.name)")
                lines.append("  ---")
                lines.append("  verdict: \(scenario.verdict.rawValue)")
                lines.append("  reason: \(ReportRendering.yamlQuoted(scenario.reason))")
                lines.append("  file: \(ReportRendering.yamlQuoted(scenario.file))")
                lines.append("  ...")
            }
        }
        return lines.map { $0 + "\n" }.joined()
    }

    /// What comes after the last result.
    public func footer(_ report: RunReport) -> String {
        switch kind {
        case .text: "\nreport: \(report.outputDirectory)/report.md\n\(ReportRendering.counts(report))\n"
        case .tap: ""
        }
    }

    /// The whole report in this format, as the pieces print it.
    func render(_ report: RunReport) -> String {
        header + report.scenarios.enumerated().map { lines(for: $1, number: $0 + 1) }.joined() + footer(report)
    }
}
