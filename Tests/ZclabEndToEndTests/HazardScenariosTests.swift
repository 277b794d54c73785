import Foundation
import Testing
import ZclabCore

/// Runs the shipped Dirty Pipe class scenarios as a user would: every one
/// passes with the test file unchanged; a pipe scenario's pipes give back
/// exactly what was put in, and a UDP one's datagrams carry the file's bytes
/// (any lost are missing, never wrong), on the wire and at the receiver; the
/// invariants judged, the report valid against its schema, nothing left behind.
extension EndToEnd {
    @Suite("scenarios/hazards")
    struct HazardScenariosTests {
        @Test func hazardScenariosPassWithPipesAndFileIntact() throws {
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("zcl-e2e-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: out) }
            let result = try run([zclabExecutable(), "run", packageRoot() + "/scenarios/hazards", "--out", out, "--format", "json"])
            #expect(result.status == 0, "\(result.output.suffix(2000))\n\(result.error)")
            let report = try JSONDecoder().decode(RunReport.self, from: Data(result.output.utf8))
            #expect(report.scenarios.count >= 12)
            var datagramScenarios = 0
            for scenario in report.scenarios {
                #expect(scenario.verdict == .pass, "\(scenario.name): \(scenario.reason)")
                #expect(scenario.observations["file.intact"] == .flag(true), "\(scenario.name)")
                let invariants = Set(scenario.assertions.filter { $0.kind == .invariant && $0.ok }.map(\.what))
                if scenario.observations["receiver.datagrams"] != nil {
                    datagramScenarios += 1
                    #expect(scenario.observations["wire.intact"] == .flag(true), "\(scenario.name)")
                    #expect(scenario.observations["receiver.intact"] == .flag(true), "\(scenario.name)")
                    #expect(invariants.isSuperset(of: ["invariant.wire_explained", "invariant.receiver_explained", "invariant.page_cache_intact"]),
                            "\(scenario.name): \(invariants)")
                } else {
                    #expect(scenario.observations["pipe.matches"] == .flag(true), "\(scenario.name)")
                    #expect(invariants.isSuperset(of: ["invariant.pipe_intact", "invariant.page_cache_intact"]), "\(scenario.name): \(invariants)")
                }
            }
            #expect(datagramScenarios >= 7)
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

/// The by-reference and loss families as a user runs them: each path's
/// verdict as the table in docs/findings.md has it, and for loss, the
/// retransmission that carried the change conflicting on the wire.
extension EndToEnd {
    @Suite("scenarios/by-reference and scenarios/loss")
    struct ByReferenceAndLossTests {
        /// The send paths whose socket holds the file's pages.
        static let byReference: Set<String> = ["sendfile", "splice", "msg-zerocopy", "io-uring-send-zc", "sendmsg-zerocopy", "io-uring-sendmsg-zc"]

        @Test func eachPathSendsByReferenceOrByCopy() throws {
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("zcl-e2e-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: out) }
            let result = try run([zclabExecutable(), "run", packageRoot() + "/scenarios/by-reference", packageRoot() + "/scenarios/loss", "--out", out])
            #expect(result.status == 0, "\(result.output.suffix(2000))\n\(result.error)")
            let report = try ReportFile.load(out + "/report.json")
            for scenario in report.scenarios {
                #expect(scenario.verdict == .pass, "\(scenario.name): \(scenario.reason)")
                #expect(scenario.observations["file.intact"] == .flag(true), "\(scenario.name)")
                let path = scenario.name.replacingOccurrences(of: "by-reference-", with: "")
                    .replacingOccurrences(of: "loss-overwrite-before-retransmit-", with: "")
                let expected = Self.byReference.contains(path) ? "new" : "old"
                if scenario.name.hasPrefix("by-reference-") {
                    #expect(scenario.observations["wire.source_bytes"] == .text(expected), "\(scenario.name)")
                } else {
                    let conflicts = scenario.observations["wire.conflicts"]
                    #expect(Self.byReference.contains(path) ? conflicts != .number(0) : conflicts == .number(0), "\(scenario.name): \(String(describing: conflicts))")
                }
            }
            let findings = try run([zclabExecutable(), "findings", out + "/report.json"])
            #expect(findings.output.contains("| `by-reference-sendfile` | new |"), "\(findings.output)")
            #expect(try leftovers(ofRunIn: out).isEmpty)
        }
    }
}
