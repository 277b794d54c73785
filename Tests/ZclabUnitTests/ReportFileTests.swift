import Foundation
import Testing
@testable import ZclabCore

@Suite("Reading reports back and streaming results")
struct ReportFileTests {
    func report() -> RunReport {
        let environment = EnvironmentFingerprint(
            kernelRelease: "6.18", kernelVersion: "#1", machine: "x86_64", libpcapVersion: "libpcap 1.10",
            sysctls: [:], rlimitMemlock: "8388608", euid: 0, capabilities: [:])
        let passed = ScenarioResult(name: "a", file: "a.yaml", tags: [], verdict: .pass, reason: "")
        let failed = ScenarioResult(name: "longer-name", file: "b.yaml", tags: [], verdict: .fail, reason: "wire.matches: expected true, got false")
        let skipped = ScenarioResult(name: "c", file: "c.yaml", tags: [], verdict: .skip, reason: "not root")
        return RunReport(zclabVersion: "0.1.0", runID: "20261201-000000-abcdef", startedAt: "", command: [],
                         outputDirectory: "out", environment: environment, scenarios: [passed, failed, skipped])
    }

    @Test("text and TAP printed piece by piece are the whole report's text and TAP", arguments: [ReportFormat.text, .tap])
    func streamedPiecesAreTheWhole(format: ReportFormat) throws {
        let report = report()
        let stream = try #require(ResultStream(format, names: report.scenarios.map(\.name)))
        let pieces = stream.header + report.scenarios.enumerated().map { stream.lines(for: $1, number: $0 + 1) }.joined() + stream.footer(report)
        #expect(pieces == format.render(report))
        #expect(stream.lines(for: report.scenarios[0], number: 1).hasSuffix("\n"))
    }

    @Test("JSON, JUnit and HTML have no stream")
    func wholeFormats() {
        for format in [ReportFormat.json, .junit, .html, .markdown] { #expect(ResultStream(format, names: ["a"]) == nil) }
    }

    func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("zcl-report-\(UUID().uuidString).json").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("a file that is not a report is said in words: the path, then what is wrong")
    func notAReport() throws {
        let folder = FileManager.default.temporaryDirectory.path
        let cases: [(String?, String)] = [
            (nil, "no such file"),
            ("not json", "not a zclab report: not JSON"),
            ("{}", "not a zclab report: missing field 'zclab_version'"),
            (#"{"zclab_version": 1}"#, "not a zclab report: field 'zclab_version' is not a string"),
        ]
        for (text, reason) in cases {
            let path = try text.map(write) ?? folder + "/zcl-absent-\(UUID().uuidString).json"
            defer { try? FileManager.default.removeItem(atPath: path) }
            let error = #expect(throws: ReportFile.LoadError.self) { try ReportFile.load(path) }
            #expect(error?.description == "\(path): \(reason)")
        }
        let error = #expect(throws: ReportFile.LoadError.self) { try ReportFile.load(folder) }
        #expect(error?.reason.hasPrefix("is a folder, not a report.json") == true)
    }

    @Test("a field deep in the report is named by its path")
    func nestedField() throws {
        var json = try JSONSerialization.jsonObject(with: Data(ReportFormat.json.render(report()).utf8)) as? [String: Any] ?? [:]
        var scenarios = json["scenarios"] as? [[String: Any]] ?? []
        scenarios[1]["verdict"] = nil
        json["scenarios"] = scenarios
        let path = try write(String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: ReportFile.LoadError.self) { try ReportFile.load(path) }
        #expect(error?.reason == "not a zclab report: missing field 'scenarios[1].verdict'")
        let valid = try write(ReportFormat.json.render(report()))
        defer { try? FileManager.default.removeItem(atPath: valid) }
        #expect(try ReportFile.load(valid).scenarios.count == 3)
    }
}
