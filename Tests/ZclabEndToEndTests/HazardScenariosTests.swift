import Foundation
import Testing
import ZclabCore

/// Runs the shipped Dirty Pipe class scenarios as a user would: every one
/// passes with its pipes giving back exactly what was put in and the test
/// file unchanged, both invariants judged, the report valid against its
/// schema, and nothing left behind.
extension EndToEnd {
    @Suite("scenarios/hazards")
    struct HazardScenariosTests {
        @Test func hazardScenariosPassWithPipesAndFileIntact() throws {
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("zcl-e2e-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: out) }
            let result = try run([zclabExecutable(), "run", packageRoot() + "/scenarios/hazards", "--out", out, "--format", "json"])
            #expect(result.status == 0, "\(result.output.suffix(2000))\n\(result.error)")
            let report = try JSONDecoder().decode(RunReport.self, from: Data(result.output.utf8))
            #expect(report.scenarios.count >= 5)
            for scenario in report.scenarios {
                #expect(scenario.verdict == .pass, "\(scenario.name): \(scenario.reason)")
                #expect(scenario.observations["pipe.matches"] == .flag(true), "\(scenario.name)")
                #expect(scenario.observations["file.intact"] == .flag(true), "\(scenario.name)")
                let invariants = Set(scenario.assertions.filter { $0.kind == .invariant && $0.ok }.map(\.what))
                #expect(invariants.isSuperset(of: ["invariant.pipe_intact", "invariant.page_cache_intact"]), "\(scenario.name): \(invariants)")
            }
            let schema = try run(["python3", "-c", """
                import json, sys, jsonschema
                jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))
                """, packageRoot() + "/docs/report.schema.json", out + "/report.json"])
            #expect(schema.status == 0, "report.json against docs/report.schema.json: \(schema.error)")
            let left = try leftovers(ofRunIn: out)
            #expect(left.isEmpty, "left behind: \(left)")
        }
    }
}
