import Foundation
import Testing
import ZclabCore

/// `zclab bench` in small: its outputs have their shape (bench.json valid
/// against docs/bench.schema.json, a row per point, a crossover per path,
/// the Markdown and HTML with their charts) and nothing is left behind. A
/// benchmark is not a test: no figure is judged here.
extension EndToEnd {
    @Suite("zclab bench")
    struct BenchSmokeTests {
        @Test func aSmallBenchWritesItsTableChartsAndCrossover() throws {
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("zcl-e2e-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: out) }
            let result = try run([
                zclabExecutable(), "bench", "--methods", "read-write,sendfile", "--sizes", "16KiB,256KiB", "--topologies", "veth",
                "--repetitions", "1", "--bytes", "8MiB", "--no-iperf3", "--out", out,
            ])
            #expect(result.status == 0, "\(result.output.suffix(2000))\n\(result.error)")
            let schema = try run(["python3", "-c", """
                import json, sys, jsonschema
                jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))
                """, packageRoot() + "/docs/bench.schema.json", out + "/bench.json"])
            #expect(schema.status == 0, "bench.json against docs/bench.schema.json: \(schema.error)")
            let bench = try JSONDecoder().decode(BenchReport.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/bench.json")))
            #expect(bench.rows.count == 4 && bench.rows.allSatisfy { $0.measured == 1 && $0.gbitPerSecond != nil })
            #expect(Set(bench.crossovers.map(\.cost)) == ["machine", "sender"] && bench.crossovers.allSatisfy { $0.path == "sendfile" })
            let markdown = try String(contentsOfFile: out + "/bench.md", encoding: .utf8)
            #expect(markdown.contains("## Crossover") && markdown.contains("| sendfile | 256 KiB |"))
            let html = try String(contentsOfFile: out + "/bench.html", encoding: .utf8)
            #expect(html.components(separatedBy: "<svg").count - 1 == 2)
            #expect(try leftovers(ofRunIn: out).isEmpty)
        }
    }
}
