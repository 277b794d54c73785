import Foundation

extension ReportRendering {
    /// One self-contained page, with nothing to fetch (inline style and SVG,
    /// no scripts): the environment, the findings, the verdicts, the offload
    /// matrix, and per scenario its assertions, topology, frame histograms
    /// and syscall timeline.
    static func html(_ report: RunReport) -> String {
        var page = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>zclab run \(xml(report.runID))</title>
            <style>\(htmlStyle)</style>
            </head>
            <body>

            """
        page += htmlHeader(report)
        page += htmlFindings(report)
        page += htmlVerdicts(report)
        page += htmlOffloadMatrix(report)
        page += "<h2>Scenarios</h2>\n"
        for (index, scenario) in report.scenarios.enumerated() { page += htmlScenario(scenario, index: index) }
        page += "</body>\n</html>\n"
        return page
    }

    /// The run, the machine it ran on, and the counts by verdict.
    static func htmlHeader(_ report: RunReport) -> String {
        let environment = report.environment
        let facts = [
            ["zclab", xml(report.zclabVersion)],
            ["command", "<code>\(xml(report.command.joined(separator: " ")))</code>"],
            ["started", xml(report.startedAt) + (report.finishedAt.map { ", finished \(xml($0))" } ?? "")],
            ["kernel", "\(xml(environment.kernelRelease)) (\(xml(environment.machine))) \(xml(environment.kernelVersion))"],
            ["kernel command line", "<code>\(xml(environment.kernelCommandLine ?? "-"))</code>"],
            ["CPU", xml(environment.cpuModel ?? "-") + (environment.cpus.map { ", \($0) online" } ?? "")],
            ["libpcap", xml(environment.libpcapVersion)],
            ["RLIMIT_MEMLOCK", xml(environment.rlimitMemlock)],
        ] + (report.secondHost.map { [["second host", xml("\($0.kernelRelease): \($0.summary)")]] } ?? [])
        let settings = environment.sysctls.sorted { $0.key < $1.key }.map { ["<code>\(xml($0.key))</code>", xml($0.value)] }
            + environment.capabilities.sorted { $0.key < $1.key }.map { ["capability \(xml($0.key))", xml($0.value)] }
        // A count of zero is grey: a red "0 fail" reads as a failure at a glance.
        let counts = [ScenarioResult.Verdict.pass, .differs, .fail, .error, .skip].filter { $0 != .differs || report.summary["differs"] != nil }.map { verdict in
            let count = report.summary[verdict.rawValue] ?? 0
            return "<span class=\"verdict \(count == 0 ? "none" : verdict.rawValue)\">\(count) \(verdict.rawValue)</span>"
        }
        return """
            <h1>zclab run <code>\(xml(report.runID))</code></h1>
            \(htmlTable([], facts, class: "facts"))\
            <details><summary>sysctls and capabilities</summary>
            \(htmlTable([], settings, class: "facts"))</details>
            <p class="counts">\(report.scenarios.count) scenarios: \(counts.joined(separator: " "))</p>

            """
    }

    /// One row per scenario, linking to its section.
    static func htmlVerdicts(_ report: RunReport) -> String {
        let rows = report.scenarios.enumerated().map { index, scenario in
            [
                verdictBadge(scenario.verdict), scenarioLink(scenario.name, index: index),
                wireCell(scenario), xml(receivedSummary(scenario)),
                String(format: "%.2f s", scenario.durationSeconds), xml(scenario.reason),
            ]
        }
        return "<h2>Verdicts</h2>\n" + htmlTable(["verdict", "scenario", "wire", "received", "time", "reason"], rows)
    }

    /// The failed assertions of each scenario that failed or errored, or its reason when it has none.
    static func htmlFindings(_ report: RunReport) -> String {
        var out = "<h2>Findings</h2>\n"
        let failing = report.scenarios.enumerated().filter { $0.element.verdict == .fail || $0.element.verdict == .error }
        guard !failing.isEmpty else { return out + "<p>No scenario failed or errored.</p>\n" }
        for (index, scenario) in failing {
            out += "<h3>\(verdictBadge(scenario.verdict)) \(scenarioLink(scenario.name, index: index))</h3>\n"
            let failed = scenario.assertions.filter { !$0.ok }
            out += failed.isEmpty ? "<p>\(xml(scenario.reason))</p>\n" : assertionsTable(failed)
        }
        return out
    }

    /// `OffloadMatrix` as a table, with each row's frame histogram drawn.
    static func htmlOffloadMatrix(_ report: RunReport) -> String {
        var out = "<h2>Offload matrix</h2>\n"
        let matrix = OffloadMatrix(report)
        guard !matrix.rows.isEmpty else { return out + "<p>No scenario states a setting and has frame statistics.</p>\n" }
        let indexes = Dictionary(report.scenarios.enumerated().map { ($0.element.name, $0.offset) }, uniquingKeysWith: { first, _ in first })
        let rows = matrix.rows.map { row in
            ["\(xml(row.setting))<br><small>\(scenarioLink(row.scenario, index: indexes[row.scenario] ?? 0))</small>", xml(row.side)]
                + row.cells.map(xml)
                + [verdictBadge(row.verdict), SVGChart.histogram(row.histogram, caption: "\(row.scenario), \(row.side)", size: .small)]
        }
        out += "<p class=\"legend\">One row per scenario that states a setting and per captured side; "
        out += "the histogram counts data frames by wire length in bytes.</p>\n"
        let table = htmlTable(["setting and scenario", "side"] + OffloadMatrix.columns + ["verdict", "frames by size"], rows, class: "matrix")
        return out + "<div class=\"scroll\">\n\(table)</div>\n"
    }

    /// A scenario's evidence, folded unless it failed or errored.
    static func htmlScenario(_ scenario: ScenarioResult, index: Int) -> String {
        let open = scenario.verdict == .fail || scenario.verdict == .error ? " open" : ""
        var out = "<details id=\"scenario-\(index)\"\(open)>\n<summary>\(verdictBadge(scenario.verdict)) <b>\(xml(scenario.name))</b>"
        if !scenario.reason.isEmpty { out += " <span class=\"reason\">\(xml(scenario.reason))</span>" }
        out += "</summary>\n"
        var about = ["<code>\(xml(scenario.file))</code>", String(format: "%.2f s", scenario.durationSeconds)]
        if !scenario.tags.isEmpty { about.append("tags " + xml(scenario.tags.joined(separator: ", "))) }
        if let setting = scenario.setting { about.append("setting " + xml(setting)) }
        about += scenario.agents.sorted { $0.key < $1.key }.map { "\(xml($0.key)) \(xml($0.value))" }
        out += "<p>\(about.joined(separator: " · "))</p>\n"
        if !scenario.assertions.isEmpty { out += "<h4>Assertions</h4>\n" + assertionsTable(scenario.assertions) }
        if let topology = scenario.topology { out += htmlTopology(topology) }
        if let frames = scenario.frames, !frames.isEmpty {
            out += "<h4>Frames</h4>\n<div class=\"charts\">\n"
            for side in frames.keys.sorted(by: >) {
                let statistics = frames[side]!
                out += "<figure>\(SVGChart.histogram(statistics.histogram, caption: "\(scenario.name), \(side)", size: .large))"
                out += "<figcaption>\(xml(side)): \(statistics.dataFrames) data frames of \(statistics.frames), "
                out += "\(statistics.smallestDataFrame)..\(statistics.largestDataFrame) bytes, checksums \(xml(statistics.checksums.summary))</figcaption></figure>\n"
            }
            out += "</div>\n"
        }
        if !scenario.steps.isEmpty { out += "<h4>Timeline</h4>\n" + SVGChart.timeline(scenario) }
        out += htmlEvidence(scenario)
        return out + "</details>\n"
    }

    /// The network the scenario ran in and the device features it changed.
    static func htmlTopology(_ topology: TopologyRecord) -> String {
        var out = "<h4>Topology</h4>\n<p>\(xml(topology.kind))\(topology.mtu.map { ", MTU \($0)" } ?? ""): "
        out += "sender <code>\(xml(topology.sender))</code>, receiver <code>\(xml(topology.receiver))</code></p>\n"
        guard let changes = topology.featureChanges, !changes.isEmpty else { return out }
        let rows = changes.map { change in
            [change.interface, change.feature, change.before, change.requested, change.after, change.restored ?? "-", change.dragged ? "yes" : "no"].map(xml)
        }
        return out + htmlTable(["interface", "feature", "before", "requested", "after", "restored", "dragged"], rows)
    }

    /// The wire verdict, the received stream, signals and captures, one line each.
    static func htmlEvidence(_ scenario: ScenarioResult) -> String {
        var items: [String] = []
        if let wire = scenario.wire { items.append(xml(wireDetail(scenario, wire))) }
        if let received = scenario.received {
            let words = received.matches ? "the file" : scenario.verdict == .pass ? "a stream that differs as expected" : "NOT the file"
            items.append(xml("received \(words): \(received.bytes) of \(received.expectedBytes) bytes"))
        }
        items += scenario.signals.map { xml("signal \($0.signal) \($0.code)" + ($0.fileOffset.map { " at file offset \($0)" } ?? "")) }
        items += scenario.captures.map { "capture \(xml($0.side)) <code>\(xml($0.path))</code>: \($0.packets) packets, \($0.dropped) dropped" }
        guard !items.isEmpty else { return "" }
        return "<ul>\n" + items.map { "<li>\($0)</li>\n" }.joined() + "</ul>\n"
    }

    /// The wire summary cell, marked as expected when the difference is the
    /// scenario's finding, so it does not read as a failure.
    static func wireCell(_ scenario: ScenarioResult) -> String {
        scenario.wireDiffersAsExpected ? "<span class=\"as-expected\">\(xml(wireSummary(scenario)))</span>" : xml(wireSummary(scenario))
    }

    static func assertionsTable(_ assertions: [Assertion]) -> String {
        let rows = assertions.map { assertion in
            [
                assertion.ok ? "<span class=\"ok\">yes</span>"
                    : assertion.kind == .behaviour ? "<span class=\"differs\">differs</span>" : "<span class=\"not-ok\">NO</span>",
                "<code>\(xml(assertion.what))</code>",
                xml(assertion.expected), xml(assertion.actual + (assertion.note.map { " (\($0))" } ?? "")),
            ]
        }
        return htmlTable(["ok", "expectation", "expected", "actual"], rows)
    }

    /// A table of cells that are already HTML, under a header of plain words (none when empty).
    static func htmlTable(_ header: [String], _ rows: [[String]], class name: String? = nil) -> String {
        var out = name.map { "<table class=\"\($0)\">\n" } ?? "<table>\n"
        if !header.isEmpty { out += "<tr>" + header.map { "<th>\(xml($0))</th>" }.joined() + "</tr>\n" }
        for row in rows { out += "<tr>" + row.map { "<td>\($0)</td>" }.joined() + "</tr>\n" }
        return out + "</table>\n"
    }

    static func verdictBadge(_ verdict: ScenarioResult.Verdict) -> String {
        "<span class=\"verdict \(verdict.rawValue)\">\(verdict.rawValue)</span>"
    }

    static func scenarioLink(_ name: String, index: Int) -> String {
        "<a href=\"#scenario-\(index)\">\(xml(name))</a>"
    }

    static let htmlStyle = """

        body { font: 14px/1.45 system-ui, sans-serif; color: #1d2430; background: #fff; margin: 24px 32px; max-width: 1500px; }
        h1 { font-size: 22px; margin: 0 0 12px; }
        h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #d5dae1; }
        h3 { font-size: 15px; margin: 14px 0 6px; }
        h4 { font-size: 14px; margin: 14px 0 4px; }
        code { font: 12px ui-monospace, monospace; background: #f2f4f7; padding: 0 3px; border-radius: 3px; word-break: break-all; }
        table { border-collapse: collapse; margin: 4px 0 10px; }
        th, td { border: 1px solid #d5dae1; padding: 3px 7px; text-align: left; vertical-align: top; }
        th { background: #f2f4f7; font-weight: 600; }
        table.facts td:first-child { white-space: nowrap; background: #f2f4f7; font-weight: 600; }
        table.facts td:first-child code { word-break: normal; }
        .verdict { display: inline-block; padding: 0 7px; border-radius: 9px; font-weight: 600; color: #fff; }
        .verdict.pass { background: #2e8540; }
        .verdict.fail { background: #c0392b; }
        .verdict.differs { background: #7d5ba6; }
        .verdict.error { background: #b35900; }
        .verdict.skip { background: #7a8391; }
        .verdict.none { background: #c5cbd3; }
        .ok { color: #2e8540; }
        .differs { color: #7d5ba6; font-weight: 600; }
        .as-expected { color: #1f5f99; font-style: italic; }
        .not-ok { color: #c0392b; font-weight: 700; }
        .counts .verdict { margin-right: 4px; }
        .reason { color: #5b6470; }
        .legend { color: #5b6470; font-size: 13px; }
        details { border: 1px solid #d5dae1; border-radius: 5px; padding: 4px 10px; margin: 6px 0; }
        details[open] { padding-bottom: 10px; }
        summary { cursor: pointer; }
        td > a { white-space: nowrap; }
        table.matrix { font-size: 13px; }
        table.matrix td:first-child { min-width: 14em; }
        .charts { display: flex; flex-wrap: wrap; gap: 16px; }
        figure { margin: 0; }
        figcaption { font-size: 12px; color: #5b6470; }
        .scroll { overflow-x: auto; }
        svg text { font: 10px ui-monospace, monospace; fill: #1d2430; }
        table.matrix svg text { font-size: 9px; }
        svg .bar { fill: #3b6fb6; }
        svg .axis { stroke: #9aa3ae; }
        svg .lane { fill: #f6f8fa; }
        svg .step-ok { fill: #3b6fb6; }
        svg .step-errno { fill: #c0392b; }
        svg .step-signal { fill: #8e44ad; }
        svg .actor { font-weight: 700; }
        svg .sent { fill: none; stroke: #2e8540; stroke-width: 2; }
        svg .wire { stroke: #b35900; stroke-dasharray: 5 3; }
        svg .received { stroke: #8e44ad; stroke-dasharray: 2 3; }
        .key-ok { color: #3b6fb6; }
        .key-errno { color: #c0392b; }
        .key-signal, .key-received { color: #8e44ad; }
        .key-sent { color: #2e8540; }
        .key-wire { color: #b35900; }

        """
}
