/// Several runs of the same scenarios side by side, one column a kernel
/// (`zclab compare`): each scenario's verdict per kernel, and each value its
/// expectations name that is not the same on every kernel, with the value
/// the scenario expects (what the reference kernel did).
public struct KernelComparison: Sendable {
    /// One run: its kernel, and its results by scenario name.
    public struct Column: Sendable {
        /// `6.1.0-47-amd64`, with the run id when two runs share a kernel.
        public var label: String
        public var behaviour: BehaviourPolicy
        var results: [String: ScenarioResult]
    }

    /// A value that is not the same on every kernel.
    public struct Difference: Sendable, Equatable {
        /// The observation key, or `invariant.*`.
        public var key: String
        /// What the scenario expects (the reference kernel's value).
        public var expected: String
        /// Per column, what was observed (nil: not run there, or not observed).
        public var observed: [String?]
        /// Per column, whether it met the expectation (nil: not judged there).
        public var met: [Bool?] = []
    }

    /// One scenario across the columns.
    public struct Row: Sendable {
        public var scenario: String
        /// Per column (nil: not in that run).
        public var verdicts: [ScenarioResult.Verdict?]
        public var differences: [Difference]
    }

    public let columns: [Column]
    public let rows: [Row]
    /// The machine's settings that are not the same in every run (sysctls
    /// that shape zero-copy sends), per column: a difference they explain is
    /// not the kernel's code.
    public let settings: [Difference]

    public init(_ reports: [RunReport]) {
        let releases = reports.map(\.environment.kernelRelease)
        columns = reports.map { report in
            let shared = releases.filter { $0 == report.environment.kernelRelease }.count > 1
            return Column(
                label: report.environment.kernelRelease + (shared ? " (\(report.runID))" : ""), behaviour: report.behaviour,
                results: Dictionary(report.scenarios.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first }))
        }
        var names: [String] = []
        for report in reports {
            for scenario in report.scenarios where !names.contains(scenario.name) { names.append(scenario.name) }
        }
        let sysctls = Set(reports.flatMap { $0.environment.sysctls.keys }).sorted()
        settings = sysctls.compactMap { name in
            let values = reports.map { $0.environment.sysctls[name] }
            return Set(values.map { $0 ?? "-" }).count > 1 ? Difference(key: name, expected: "", observed: values) : nil
        }
        rows = names.map { [columns] name in
            let results = columns.map { $0.results[name] }
            return Row(scenario: name, verdicts: results.map { $0?.verdict }, differences: Self.differences(results))
        }
    }

    /// The keys the scenario's assertions name whose observed values are not
    /// all equal over the columns that ran it.
    static func differences(_ results: [ScenarioResult?]) -> [Difference] {
        var keys: [(key: String, expected: String)] = []
        for result in results.compactMap({ $0 }) {
            for assertion in result.assertions where !keys.contains(where: { $0.key == assertion.what }) {
                keys.append((assertion.what, assertion.expected))
            }
        }
        return keys.compactMap { key, expected in
            let observed = results.map { result in result?.assertions.first { $0.what == key }?.actual }
            let ran = zip(results, observed).filter { $0.0 != nil && [.pass, .differs, .fail].contains($0.0?.verdict) }.map(\.1)
            guard Set(ran.map { $0 ?? "nothing" }).count > 1 else { return nil }
            let met = results.map { result in result?.assertions.first { $0.what == key }?.ok }
            return Difference(key: key, expected: expected, observed: observed, met: met)
        }
    }

    /// Rows whose verdicts or values differ between kernels.
    public var differingRows: [Row] { rows.filter { !$0.differences.isEmpty || Set($0.verdicts.map { $0?.rawValue ?? "-" }).count > 1 } }

    /// The matrix and the differences, as Markdown.
    public var markdown: String {
        var out = "| scenario | " + columns.map(\.label).joined(separator: " | ") + " |\n"
        out += "|---|" + String(repeating: "---|", count: columns.count) + "\n"
        for row in rows {
            out += "| \(row.scenario) | " + row.verdicts.map { $0?.rawValue ?? "-" }.joined(separator: " | ") + " |\n"
        }
        if !settings.isEmpty {
            out += "\n### Settings that differ\n\n| setting | " + columns.map(\.label).joined(separator: " | ") + " |\n"
            out += "|---|" + String(repeating: "---|", count: columns.count) + "\n"
            for setting in settings {
                out += "| `\(setting.key)` | " + setting.observed.map { ReportRendering.markdownCell($0 ?? "-") }.joined(separator: " | ") + " |\n"
            }
        }
        let differing = differingRows.filter { !$0.differences.isEmpty }
        guard !differing.isEmpty else { return out + "\nNo observed value differs between these kernels.\n" }
        out += "\n### Values that differ\n\nIn bold: not what the scenario expects.\n\n| scenario | key | expected | " + columns.map(\.label).joined(separator: " | ") + " |\n"
        out += "|---|---|---|" + String(repeating: "---|", count: columns.count) + "\n"
        for row in differing {
            for difference in row.differences {
                out += "| \(row.scenario) | `\(difference.key)` | \(ReportRendering.markdownCell(difference.expected)) | "
                    + zip(difference.observed, difference.met).map { value, met in
                        met == false ? "**\(ReportRendering.markdownCell(value ?? "-"))**" : ReportRendering.markdownCell(value ?? "-")
                    }.joined(separator: " | ") + " |\n"
            }
        }
        return out
    }

}

extension KernelComparison {
    /// The matrix and the differences as a section of an HTML page.
    public var htmlSection: String {
        typealias R = ReportRendering
        var out = "<h2>Kernels compared</h2>\n"
        out += R.htmlTable(["scenario"] + columns.map(\.label), rows.map { row in
            [R.xml(row.scenario)] + row.verdicts.map { $0.map(R.verdictBadge) ?? "-" }
        })
        if !settings.isEmpty {
            out += "<h3>Settings that differ</h3>\n"
            out += R.htmlTable(["setting"] + columns.map(\.label), settings.map { setting in
                ["<code>\(R.xml(setting.key))</code>"] + setting.observed.map { R.xml($0 ?? "-") }
            })
        }
        let differing = differingRows.filter { !$0.differences.isEmpty }
        guard !differing.isEmpty else { return out + "<p>No observed value differs between these kernels.</p>\n" }
        out += "<h3>Values that differ</h3>\n"
        out += R.htmlTable(["scenario", "key", "expected"] + columns.map(\.label), differing.flatMap { row in
            row.differences.map { difference in
                [R.xml(row.scenario), "<code>\(R.xml(difference.key))</code>", R.xml(difference.expected)]
                    + zip(difference.observed, difference.met).map { value, met in
                        met == false ? "<b>\(R.xml(value ?? "-"))</b>" : R.xml(value ?? "-")
                    }
            }
        })
        return out
    }

    /// A page with only the comparison.
    public var htmlPage: String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>zclab: kernels compared</title>
        <style>\(ReportRendering.htmlStyle)</style>
        </head>
        <body>
        \(htmlSection)</body>
        </html>

        """
    }
}
