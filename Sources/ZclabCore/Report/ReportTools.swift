import Foundation

/// Checking a report again from its captures alone, and comparing two reports.
public enum ReportTools {
    /// One capture of a report checked again.
    public struct CaptureCheck: Sendable {
        public var scenario: String
        public var path: String
        public var outcome: Outcome
        public var detail: String

        /// What checking a capture again found.
        public enum Outcome: Sendable, Equatable {
            /// The file and its wire verification agree with the report.
            case agrees
            /// They do not, or the file cannot be read.
            case differs
            /// The run's capture retention deleted the file: nothing was checked.
            case notKept
        }

        public var ok: Bool { outcome == .agrees }
    }

    /// Re-checks every capture a report lists: its SHA-256 against the
    /// report, then the wire verification from the pcap and the scenario text
    /// recorded in the report, against the recorded wire verdict. A scenario
    /// whose captures the run did not keep gets one check, `notKept`, that
    /// says so: never a silent pass.
    public static func verify(_ report: RunReport) -> [CaptureCheck] {
        var checks: [CaptureCheck] = []
        for scenario in report.scenarios {
            if let dropped = scenario.captures.first(where: { $0.notKept != nil }) {
                let bytes = scenario.captures.reduce(0) { $0 + ($1.sizeBytes ?? 0) }
                checks.append(CaptureCheck(
                    scenario: scenario.name, path: dropped.path, outcome: .notKept,
                    detail: "not re-checked: the capture was not kept (\(ByteCount.approximate(bytes)), \(dropped.notKept ?? ""))"))
                continue
            }
            for capture in scenario.captures {
                var check = CaptureCheck(scenario: scenario.name, path: capture.path, outcome: .differs, detail: "")
                do {
                    let digest = try sha256(ofFile: capture.path)
                    guard digest == capture.sha256 else {
                        check.detail = "SHA-256 is \(digest), the report says \(capture.sha256): the file changed"
                        checks.append(check)
                        continue
                    }
                    check.outcome = .agrees
                    check.detail = "SHA-256 matches"
                } catch {
                    check.detail = "cannot read: \(error)"
                }
                checks.append(check)
            }
            guard let recorded = scenario.wire, let text = scenario.scenarioText,
                let judged = scenario.captures.first(where: { !$0.side.hasSuffix("-marks") })
            else { continue }
            var check = CaptureCheck(scenario: scenario.name, path: judged.path, outcome: .differs, detail: "")
            do {
                let parsed = try ScenarioParser.parse(text, path: scenario.file)
                let samples = scenario.captures.first { $0.side == judged.side + "-marks" }
                // A program's response: the header its client read, then the file.
                let header = Array((scenario.client?.header ?? "").utf8)
                let expected = parsed.wireContent(header: header)
                let flow = recorded.flow.flatMap(FlowKey.init).map(FlowSelector.exact) ?? .port(parsed.port)
                let wire = try WireVerifier.verify(
                    capture: samples?.path ?? judged.path, flow: flow, expected: expected, sampled: samples != nil)
                    .body(after: UInt64(header.count))
                let agrees = wire.status == recorded.status && wire.sha256 == recorded.sha256 && wire.bytes == recorded.bytes
                check.outcome = agrees ? .agrees : .differs
                check.detail = check.ok
                    ? "wire verification again: \(wire.status.rawValue), \(wire.bytes) bytes, same SHA-256"
                    : "wire verification again: \(wire.status.rawValue), \(wire.bytes) bytes, sha256 \(wire.sha256); the report says \(recorded.status.rawValue), \(recorded.bytes) bytes, sha256 \(recorded.sha256)"
            } catch {
                check.detail = "wire verification again: \(error)"
            }
            checks.append(check)
        }
        return checks
    }

    /// How a change between two runs counts.
    public enum ChangeKind: String, Sendable {
        /// The verdict changed, or a value the scenario expects exactly.
        case real
        /// A value the scenario expects within a range or among choices: it may vary.
        case varying
        /// A value the scenario states nothing about.
        case unjudged
    }

    public struct Change: Sendable {
        public var scenario: String
        public var key: String
        public var before: String
        public var after: String
        public var kind: ChangeKind
    }

    /// Every observation that differs between `old` and `new`, per scenario,
    /// classified by the expectations in `new`'s scenario text.
    public static func diff(_ old: RunReport, _ new: RunReport) -> [Change] {
        var changes: [Change] = []
        let before = Dictionary(old.scenarios.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for scenario in new.scenarios {
            guard let previous = before[scenario.name] else {
                changes.append(Change(scenario: scenario.name, key: "scenario", before: "absent", after: "present", kind: .real))
                continue
            }
            if previous.verdict != scenario.verdict {
                changes.append(Change(
                    scenario: scenario.name, key: "verdict", before: previous.verdict.rawValue,
                    after: scenario.verdict.rawValue, kind: .real))
            }
            let expectations = scenario.scenarioText
                .flatMap { try? ScenarioParser.parse($0, path: scenario.file) }?.expectations ?? []
            for key in Set(previous.observations.keys).union(scenario.observations.keys).sorted() {
                let was = previous.observations[key], now = scenario.observations[key]
                guard was != now else { continue }
                let kind: ChangeKind
                switch expectations.first(where: { $0.key == key })?.matcher {
                case .equals?: kind = .real
                case .range?, .oneOf?: kind = .varying
                case nil: kind = .unjudged
                }
                changes.append(Change(
                    scenario: scenario.name, key: key, before: was?.description ?? "absent",
                    after: now?.description ?? "absent", kind: kind))
            }
        }
        for scenario in old.scenarios where !new.scenarios.contains(where: { $0.name == scenario.name }) {
            changes.append(Change(scenario: scenario.name, key: "scenario", before: "present", after: "absent", kind: .real))
        }
        return changes
    }

    /// The diff as text: real changes first, then varying, then unjudged ones counted.
    public static func describe(_ changes: [Change]) -> String {
        var lines: [String] = []
        for kind in [ChangeKind.real, .varying] {
            let some = changes.filter { $0.kind == kind }
            lines.append("\(kind.rawValue) changes: \(some.count)")
            for change in some { lines.append("  \(change.scenario): \(change.key) \(change.before) -> \(change.after)") }
        }
        let unjudged = changes.filter { $0.kind == .unjudged }
        lines.append("unjudged changes (values no expectation names): \(unjudged.count)")
        for change in unjudged.prefix(50) { lines.append("  \(change.scenario): \(change.key) \(change.before) -> \(change.after)") }
        if unjudged.count > 50 { lines.append("  ... \(unjudged.count - 50) more") }
        lines.append(changes.contains { $0.kind == .real } ? "result: real change" : "result: no real change")
        return lines.joined(separator: "\n") + "\n"
    }
}
