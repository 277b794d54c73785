import Foundation
import Testing
import ZclabCore

/// zclab as it is used after every kernel build: from any folder, keeping
/// only the captures it is told to, and saying which it cannot check again.
extension EndToEnd {
    @Suite("Daily use")
    struct DailyUseEndToEndTests {
        @Test func aCaptureNotKeptIsRecordedAndReportVerifyNamesIt() throws {
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("zcl-e2e-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: out) }
            let result = try run([
                zclabExecutable(), "run", packageRoot() + "/scenarios/basic/sendfile-veth.yaml", "--out", out, "--keep-captures", "none",
            ])
            #expect(result.status == 0, "\(result.output)\n\(result.error)")
            let report = try JSONDecoder().decode(RunReport.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/report.json")))
            // How the agents ended reads as words, not as a Swift optional.
            #expect(report.scenarios.first?.agents["receiver"] == "exited with status 0")
            let captures = try #require(report.scenarios.first?.captures)
            #expect(!captures.isEmpty)
            for capture in captures {
                #expect(capture.notKept == "--keep-captures none")
                #expect((capture.sizeBytes ?? 0) > 16 << 20, "a 16 MiB transfer's capture")
                #expect(!FileManager.default.fileExists(atPath: capture.path))
            }
            // The schema documents the fields that say so.
            let schema = try run(["python3", "-c", """
                import json, sys, jsonschema
                jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))
                """, packageRoot() + "/docs/report.schema.json", out + "/report.json"])
            #expect(schema.status == 0, "report.json against docs/report.schema.json: \(schema.error)")
            let verified = try run([zclabExecutable(), "report", "verify", out + "/report.json"])
            #expect(verified.status == 4, "\(verified.output)")
            #expect(verified.output.contains("NOT KEPT sendfile-veth: "))
            #expect(verified.output.contains("0 passed, 0 failed, 1 not re-checked (capture not kept)"))
            #expect(try leftovers(ofRunIn: out).isEmpty)
        }

        @Test func listAndRunFindTheirScenariosFromAnyFolder() throws {
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("zcl-e2e-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: out) }
            let list = try run(["sh", "-c", #"cd / && exec "$0" list"#, zclabExecutable()])
            #expect(list.status == 0, "\(list.error)")
            #expect(list.output.contains("*\tsendfile-veth\t"))
            #expect(list.output.contains("-\tsendfile-loopback\t"))
            #expect(list.error.contains("in the default set (*)"))
            let result = try run(["sh", "-c", #"cd / && exec "$0" run --filter sendfile-offsets --out "$1""#, zclabExecutable(), out])
            #expect(result.status == 0, "\(result.output)\n\(result.error)")
            #expect(result.output.contains("PASS    sendfile-offsets"))
            #expect(try leftovers(ofRunIn: out).isEmpty)
        }
    }
}
