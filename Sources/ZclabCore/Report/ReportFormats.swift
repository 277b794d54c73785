import Foundation

/// Renders a run report in the formats zclab writes and prints.
public enum ReportFormat: String, CaseIterable, Sendable {
    case text, json, tap, junit, markdown, html

    public func render(_ report: RunReport) -> String {
        switch self {
        case .text: ReportRendering.text(report)
        case .json: ReportRendering.json(report)
        case .tap: ReportRendering.tap(report)
        case .junit: ReportRendering.junit(report)
        case .markdown: ReportRendering.markdown(report)
        case .html: ReportRendering.html(report)
        }
    }
}

enum ReportRendering {
    static func json(_ report: RunReport) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(report)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static func counts(_ report: RunReport) -> String {
        let summary = report.summary
        let differs = summary["differs"].map { ", \($0) differ from the reference kernel" } ?? ""
        return "\(summary["pass"] ?? 0) passed\(differs), \(summary["fail"] ?? 0) failed, \(summary["error"] ?? 0) errored, \(summary["skip"] ?? 0) skipped"
    }

    /// The offload matrix as a Markdown table, or nothing when no scenario states a setting.
    static func matrixMarkdown(_ matrix: OffloadMatrix) -> String {
        guard !matrix.rows.isEmpty else { return "" }
        var out = "\n## Offload matrix\n\nOne row per setting and capture side; frame sizes are wire lengths in bytes.\n\n"
        out += "| setting | tap | " + OffloadMatrix.columns.joined(separator: " | ") + " | verdict |\n"
        out += String(repeating: "|---", count: OffloadMatrix.columns.count + 3) + "|\n"
        for row in matrix.rows {
            out += "| \(row.setting) | \(row.side) | " + row.cells.joined(separator: " | ") + " | \(row.verdict.rawValue) |\n"
        }
        return out
    }

    /// The wire's status as a reader should take it: "pass", "fail",
    /// "unverifiable", or for a passing scenario whose wire differs
    /// "differs as expected: OFFSET (SIZE), KIND" at the first difference,
    /// the kind as the scenario judged it (`wire.first_mismatch_kind`: "new"
    /// where the verifier alone can only say "other").
    static func wireStatus(_ scenario: ScenarioResult, _ wire: WireVerdict) -> String {
        guard scenario.wireDiffersAsExpected else { return wire.status.rawValue }
        let words = scenario.verdict == .differs ? "differs, explained" : "differs as expected"
        guard let mismatch = wire.firstMismatch else { return words }
        let size = ByteCount.describe(mismatch.offset)
        let offset = size == "\(mismatch.offset)" ? size : "\(mismatch.offset) (\(size))"
        let kind = scenario.observations["wire.first_mismatch_kind"]?.description ?? mismatch.kind.rawValue
        return "\(words): \(offset), \(kind)"
    }

    /// The wire verdict in a few words ("pass, 16 MiB"), or "-" without a capture.
    static func wireSummary(_ scenario: ScenarioResult) -> String {
        scenario.wire.map { "\(wireStatus(scenario, $0)), \(ByteCount.describe($0.bytes))" } ?? "-"
    }

    /// The wire verdict with its counts and first mismatch, on one line.
    static func wireDetail(_ scenario: ScenarioResult, _ wire: WireVerdict) -> String {
        var line = "wire \(wireStatus(scenario, wire)): \(wire.bytes) of \(wire.expectedBytes) bytes, flow \(wire.flow ?? "-"), \(wire.segments) segments, \(wire.retransmittedBytes) retransmitted bytes"
        if let mismatch = wire.firstMismatch, !scenario.wireDiffersAsExpected {
            line += "; first mismatch at \(mismatch.offset) (\(mismatch.kind.rawValue))"
        }
        return line
    }

    /// What the receiver got in a few words ("match, 16 MiB"), or "-"; a
    /// passing scenario's different stream is what it expected.
    static func receivedSummary(_ scenario: ScenarioResult) -> String {
        scenario.received.map { received in
            let words = received.matches ? "match" : scenario.verdict == .pass ? "differs as expected" : "MISMATCH"
            return "\(words), \(ByteCount.describe(received.bytes))"
        } ?? "-"
    }

    /// One line per scenario, the reason under each one that did not pass, and the totals.
    static func text(_ report: RunReport) -> String {
        ResultStream(.text, names: report.scenarios.map(\.name)).map { $0.render(report) } ?? ""
    }

    /// Test Anything Protocol, version 13.
    static func tap(_ report: RunReport) -> String {
        ResultStream(.tap, names: report.scenarios.map(\.name)).map { $0.render(report) } ?? ""
    }

    /// JUnit XML, one testcase per scenario.
    static func junit(_ report: RunReport) -> String {
        let summary = report.summary
        let total = report.scenarios.reduce(0) { $0 + $1.durationSeconds }
        var lines = [
            #"<?xml version="1.0" encoding="UTF-8"?>"#,
            #"<testsuites name="zclab" tests="\#(report.scenarios.count)" failures="\#(summary["fail"] ?? 0)" errors="\#(summary["error"] ?? 0)" skipped="\#(summary["skip"] ?? 0)" time="\#(String(format: "%.3f", total))">"#,
            #"  <testsuite name="zclab.\#(xml(report.runID))" tests="\#(report.scenarios.count)" failures="\#(summary["fail"] ?? 0)" errors="\#(summary["error"] ?? 0)" skipped="\#(summary["skip"] ?? 0)" time="\#(String(format: "%.3f", total))">"#,
        ]
        for scenario in report.scenarios {
            let open = #"    <testcase classname="\#(xml(scenario.file))" name="\#(xml(scenario.name))" time="\#(String(format: "%.3f", scenario.durationSeconds))""#
            switch scenario.verdict {
            case .pass: lines.append(open + "/>")
            case .differs: lines += [open + ">", "      <system-out>differs: \(xml(scenario.reason))</system-out>", "    </testcase>"]
            case .skip: lines += [open + ">", #"      <skipped message="\#(xml(scenario.reason))"/>"#, "    </testcase>"]
            case .fail: lines += [open + ">", #"      <failure message="\#(xml(scenario.reason))"/>"#, "    </testcase>"]
            case .error: lines += [open + ">", #"      <error message="\#(xml(scenario.reason))"/>"#, "    </testcase>"]
            }
        }
        lines += ["  </testsuite>", "</testsuites>"]
        return lines.joined(separator: "\n") + "\n"
    }

    /// The readable report: environment, a summary table, then each scenario's evidence.
    static func markdown(_ report: RunReport) -> String {
        var out = "# zclab run \(report.runID)\n\n"
        out += "Started \(report.startedAt), zclab \(report.zclabVersion), `\(report.command.joined(separator: " "))`\n\n"
        let environment = report.environment
        out += "## Environment\n\n| what | value |\n|---|---|\n"
        out += "| kernel | \(environment.kernelRelease) (\(environment.machine)) |\n"
        out += "| libpcap | \(environment.libpcapVersion) |\n"
        out += "| RLIMIT_MEMLOCK | \(environment.rlimitMemlock) |\n"
        if let peer = report.secondHost { out += "| second host | \(peer.kernelRelease): \(peer.summary) |\n" }
        for (path, value) in environment.sysctls.sorted(by: { $0.key < $1.key }) { out += "| `\(path)` | \(value) |\n" }
        out += "\n## Scenarios\n\n\(counts(report))\n\n| verdict | scenario | wire | received | time |\n|---|---|---|---|---|\n"
        for scenario in report.scenarios {
            out += "| \(scenario.verdict.rawValue) | \(scenario.name) | \(wireSummary(scenario)) | \(receivedSummary(scenario)) | \(String(format: "%.2f s", scenario.durationSeconds)) |\n"
        }
        out += matrixMarkdown(OffloadMatrix(report))
        for scenario in report.scenarios {
            out += "\n### \(scenario.name): \(scenario.verdict.rawValue)\n\n`\(scenario.file)`"
            if !scenario.reason.isEmpty { out += ": \(scenario.reason)" }
            out += "\n\n"
            if scenario.backend == "model" { out += "**Simulated**: run on the reference model of MSG_ZEROCOPY notifications, not the kernel.\n\n" }
            if let model = scenario.model {
                out += "MSG_ZEROCOPY completions, kernel: `\(model.observed)`; model: `\(model.predicted)`"
                out += model.agrees ? " (they agree)\n\n" : "\n\n" + model.differences.split(separator: "\n").map { "- \($0)" }.joined(separator: "\n") + "\n\n"
            }
            if let topology = scenario.topology {
                out += "Topology \(topology.kind)\(topology.mtu.map { ", MTU \($0)" } ?? ""): sender \(topology.sender), receiver \(topology.receiver)\n\n"
                if let changes = topology.featureChanges, !changes.isEmpty {
                    out += "| interface | feature | before | requested | after | restored |\n|---|---|---|---|---|---|\n"
                    for change in changes {
                        out += "| \(change.interface) | \(change.feature) | \(change.before) | \(change.dragged ? "(dragged)" : change.requested) | \(change.after) | \(change.restored ?? "-") |\n"
                    }
                    out += "\n"
                }
            }
            if !scenario.assertions.isEmpty {
                out += "| ok | expectation | expected | actual |\n|---|---|---|---|\n"
                for assertion in scenario.assertions {
                    out += "| \(assertion.ok ? "yes" : "**NO**") | `\(assertion.what)` | \(assertion.expected) | \(assertion.actual)\(assertion.note.map { " (\($0))" } ?? "") |\n"
                }
                out += "\n"
            }
            if !scenario.steps.isEmpty {
                out += "| actor | call | first arguments | calls | return (total) | min..max | errno | time |\n|---|---|---|---|---|---|---|---|\n"
                for step in scenario.steps {
                    let range = step.returnMin.map { "\($0)..\(step.returnMax ?? $0)" } ?? "-"
                    out += "| \(step.actor) | \(step.call) | \(markdownCell(step.arguments)) | \(step.calls) | \(step.returned.map(String.init) ?? "-") | \(range) | \(step.errno ?? "-") | \(String(format: "%.3f ms", Double(step.durationNs) / 1e6)) |\n"
                }
                out += "\n"
            }
            for signal in scenario.signals {
                out += "- signal \(signal.signal) \(signal.code)"
                if let offset = signal.fileOffset { out += ", si_addr at file offset \(offset)" }
                if let fd = signal.fd { out += ", si_fd \(fd), si_band \(signal.band ?? 0)" }
                if let lease = signal.leaseInHandler { out += ", lease in the handler \(lease.rawValue)" }
                out += "\n"
            }
            if let resources = scenario.resources {
                let memory = resources.peakRSSKiB.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value / 1024) MiB" }.joined(separator: ", ")
                out += "- transfer \(String(format: "%.2f s (%.2f s/GiB)", resources.transferSeconds, resources.secondsPerGiB)); peak memory \(memory)\n"
            }
            for capture in scenario.captures {
                out += "- capture \(capture.side) on \(capture.interface): `\(capture.path)`, \(capture.packets) packets, \(capture.dropped) dropped, sha256 `\(capture.sha256.prefix(16))…`\n"
            }
            if let wire = scenario.wire {
                out += "- \(wireDetail(scenario, wire))\n"
                for note in wire.notes { out += "  - \(note)\n" }
            }
        }
        return out
    }

    /// `text` made safe for a Markdown table cell.
    static func markdownCell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|")
    }

    static func xml(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func yamlQuoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
