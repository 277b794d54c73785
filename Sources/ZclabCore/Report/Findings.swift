import Foundation
import Yams

/// A claim from the seed articles and how to judge it from observations.
public struct Claim: Sendable {
    public var id: String
    public var article: String
    public var text: String
    /// Scenario names whose observations test the claim.
    public var testedBy: [String]
    /// The claim holds in a scenario when all of these do.
    public var holdsIf: [Expectation]
    /// Shown with a claim that holds: how it holds.
    public var conditions: String?
    /// Observations shown as the measured values.
    public var show: [String]
}

/// Judges the seed articles' claims against a run report: docs/findings.md.
public enum Findings {
    /// Reads a claims file (docs/claims.yaml), with file:line errors.
    public static func loadClaims(_ path: String) throws(ScenarioError) -> [Claim] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ScenarioError(path: path, line: 0, column: 0, message: "cannot read the file")
        }
        let reader = ScenarioReader(path: path)
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: String(decoding: data, as: UTF8.self)) else {
                throw ScenarioError(path: path, line: 1, column: 1, message: "the file is empty")
            }
            root = node
        } catch let error as ScenarioError {
            throw error
        } catch {
            throw ScenarioError(path: path, line: 0, column: 0, message: "YAML: \(error)")
        }
        let top = try reader.fields(root, in: "the claims file", allowed: ["claims"])
        guard let list = top["claims"]?.sequence else { throw reader.error(root, "claims must be a list") }
        var claims: [Claim] = []
        for item in list {
            let fields = try reader.fields(item, in: "a claim", allowed: ["id", "article", "claim", "tested_by", "holds_if", "conditions", "show"])
            func text(_ key: String) throws(ScenarioError) -> String {
                guard let node = fields[key] else { throw reader.error(item, "a claim needs '\(key)'") }
                return try reader.string(node, key)
            }
            func names(_ key: String) throws(ScenarioError) -> [String] {
                guard let sequence = fields[key]?.sequence else { throw reader.error(item, "'\(key)' must be a list") }
                var result: [String] = []
                for node in sequence { result.append(try reader.string(node, key)) }
                return result
            }
            guard let holdsIf = fields["holds_if"] else { throw reader.error(item, "a claim needs 'holds_if'") }
            claims.append(Claim(
                id: try text("id"), article: try text("article"), text: try text("claim"),
                testedBy: try names("tested_by"), holdsIf: try reader.expectations(holdsIf),
                conditions: try fields["conditions"].map { (node) throws(ScenarioError) in try reader.string(node, "conditions") },
                show: try names("show")))
        }
        return claims
    }

    /// The verdict on one claim in one scenario.
    public enum Verdict: String, Sendable {
        case holds = "holds"
        case holdsWithConditions = "holds with conditions"
        case doesNotHold = "does not hold"
        case notRun = "not run"
    }

    public static func verdict(_ claim: Claim, in scenario: ScenarioResult?) -> Verdict {
        guard let scenario, [.pass, .differs, .fail].contains(scenario.verdict) else { return .notRun }
        var observations = Observations()
        observations.values = scenario.observations
        guard observations.judge(claim.holdsIf, dropped: 0).allSatisfy(\.ok) else { return .doesNotHold }
        return claim.conditions == nil ? .holds : .holdsWithConditions
    }

    /// Each claim judged on each kernel: one column a kernel release (the
    /// runs of one kernel merged), each cell the verdict and what was measured.
    public static func markdownByKernel(_ claims: [Claim], reports: [RunReport]) -> String {
        var kernels: [String] = []
        var scenarios: [String: [String: ScenarioResult]] = [:]
        for report in reports {
            let kernel = report.environment.kernelRelease
            if !kernels.contains(kernel) { kernels.append(kernel) }
            for scenario in report.scenarios { scenarios[kernel, default: [:]][scenario.name] = scenario }
        }
        var out = "| claim | scenario | " + kernels.joined(separator: " | ") + " |\n|---|---|" + String(repeating: "---|", count: kernels.count) + "\n"
        for claim in claims {
            for name in claim.testedBy {
                let cells = kernels.map { kernel in
                    let scenario = scenarios[kernel]?[name]
                    let measured = claim.show.compactMap { key in scenario?.observations[key].map { "`\(key)` \($0)" } }
                    return ([verdict(claim, in: scenario).rawValue] + measured).joined(separator: "<br>")
                }
                out += "| **\(claim.id)** | `\(name)` | " + cells.joined(separator: " | ") + " |\n"
            }
        }
        return out
    }

    /// The findings page for `claims` judged against the scenarios of `reports`.
    public static func markdown(_ claims: [Claim], reports: [RunReport]) -> String {
        var scenarios: [String: ScenarioResult] = [:]
        for report in reports { for scenario in report.scenarios { scenarios[scenario.name] = scenario } }
        let kernels = Set(reports.map { "Linux \($0.environment.kernelRelease) (\($0.environment.machine))" })
        var out = """
            # Findings: the seed articles' claims on this kernel

            Generated by `zclab findings` from the run(s) \(reports.map { "`\($0.runID)`" }.joined(separator: ", ")) \
            on \(kernels.sorted().joined(separator: ", ")); do not edit by hand. Each claim is judged in each
            scenario that tests it, by the observations named in `docs/claims.yaml`.

            | claim | scenario | verdict | measured |
            |---|---|---|---|

            """
        for claim in claims {
            for name in claim.testedBy {
                let scenario = scenarios[name]
                let verdict = verdict(claim, in: scenario)
                let measured = claim.show.map { key in "`\(key)` \(scenario?.observations[key]?.description ?? "-")" }
                    .joined(separator: "<br>")
                out += "| **\(claim.id)** | `\(name)` | \(verdict.rawValue) | \(measured) |\n"
            }
        }
        out += "\n## The claims\n"
        for claim in claims {
            out += "\n**\(claim.id)**, from *\(claim.article)*: \(claim.text)\n"
            if let conditions = claim.conditions { out += "\nOn this kernel: \(conditions).\n" }
        }
        return out + byReference(Array(scenarios.values))
    }

    /// By reference or by copy, a row per scenario tagged `by-reference`:
    /// those that change the data after the send call returned, while it is
    /// queued (the file, or the sender's own buffer). Whether the wire
    /// carried the change (`wire.source_bytes`) says how the path sent it,
    /// so a path that starts or stops sending by reference shows here. (A
    /// change ahead of the sender, as in the truncate family, says nothing
    /// of that: those are not tagged.)
    static func byReference(_ scenarios: [ScenarioResult]) -> String {
        let rows = scenarios.filter { $0.tags.contains("by-reference") }.compactMap { scenario -> String? in
            guard case .text(let carried)? = scenario.observations[WireObservation.sourceBytes.rawValue] else { return nil }
            let verdict = switch carried {
            case "new": "by reference: the change went on the wire"
            case "old": "by copy, or from pages the change did not touch: the bytes as they were at the call"
            default: "neither: \(scenario.observations[WireObservation.firstMismatchKind.rawValue]?.description ?? "?")"
            }
            let at = scenario.observations[WireObservation.firstMismatch.rawValue]?.description ?? "-"
            return "| `\(scenario.name)` | \(carried) | \(at) | \(verdict) |"
        }.sorted()
        guard !rows.isEmpty else { return "" }
        return """

            ## By reference or by copy

            Each scenario below (tagged `by-reference`) changes the data after the send call
            returned, while those bytes wait in the socket (the file with pwrite(2), or the
            sender's own buffer), and looks at what the wire carried there (`wire.source_bytes`):
            the new bytes (the path sent by reference: the socket held the pages) or the old ones
            (it copied them when called, or sent other pages: vmsplice sends a private copy of the
            file, whose own rewrite is `vmsplice-rewrite-after-send`).

            | scenario | wire carried | first difference | so the path sent |
            |---|---|---|---|

            """ + rows.joined(separator: "\n") + "\n"
    }
}
