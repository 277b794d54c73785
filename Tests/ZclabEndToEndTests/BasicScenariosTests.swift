import Foundation
import Testing
import ZclabCore

/// Runs the shipped basic scenarios as a user would, then checks the report,
/// the captures (against tshark's own reassembly) and that nothing is left.
extension EndToEnd {
    @Suite("scenarios/basic")
    struct BasicScenariosTests {
        @Test func basicScenariosPassAndLeaveNothing() throws {
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("zcl-e2e-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: out) }
            let result = try run([zclabExecutable(), "run", packageRoot() + "/scenarios/basic", "--out", out, "--format", "tap", "--keep-captures", "all"])
            #expect(result.status == 0, "zclab run: \(result.output)\n\(result.error)")
            #expect(result.output.hasPrefix("TAP version 13"))
            let left = try leftovers(ofRunIn: out)
            #expect(left.isEmpty, "left behind: \(left)")

            let data = try Data(contentsOf: URL(fileURLWithPath: out + "/report.json"))
            let report = try JSONDecoder().decode(RunReport.self, from: data)
            #expect(report.scenarios.count >= 13)
            #expect(FileManager.default.fileExists(atPath: out + "/report.md"))
            // Real consumers: the TAP through Perl's TAP::Parser, the JSON through its JSON Schema.
            let tapFile = out + "/run.tap"
            try result.output.write(toFile: tapFile, atomically: true, encoding: .utf8)
            let tap = try run(["perl", "-MTAP::Parser", "-e", """
                local $/; open(my $f, '<', $ARGV[0]) or die; my $p = TAP::Parser->new({ tap => <$f> });
                while (my $r = $p->next) {} print $p->passed . " passed\n"; exit($p->has_problems ? 1 : 0)
                """, tapFile])
            #expect(tap.status == 0, "TAP::Parser: \(tap.output)\(tap.error)")
            #expect(tap.output.hasPrefix("\(report.scenarios.count) passed"), "\(tap.output)")
            let schema = try run(["python3", "-c", """
                import json, sys, jsonschema
                schema = json.load(open(sys.argv[1]))
                jsonschema.Draft202012Validator.check_schema(schema)
                jsonschema.validate(json.load(open(sys.argv[2])), schema)
                """, packageRoot() + "/docs/report.schema.json", out + "/report.json"])
            #expect(schema.status == 0, "report.json against docs/report.schema.json: \(schema.error)")

            // The report checks out from its captures alone, and stops doing so when one byte changes.
            let reverified = try run([zclabExecutable(), "report", "verify", out + "/report.json"])
            #expect(reverified.status == 0, "\(reverified.output)")
            if let capture = report.scenarios.first?.captures.first {
                var bytes = try Data(contentsOf: URL(fileURLWithPath: capture.path))
                bytes[bytes.count / 2] ^= 0xFF
                try bytes.write(to: URL(fileURLWithPath: capture.path))
                let altered = try run([zclabExecutable(), "report", "verify", out + "/report.json"])
                #expect(altered.status == 1, "\(altered.output)")
                #expect(altered.output.contains("the file changed"))
                bytes[bytes.count / 2] ^= 0xFF
                try bytes.write(to: URL(fileURLWithPath: capture.path))
            }

            for scenario in report.scenarios {
                #expect(scenario.verdict == .pass, "\(scenario.name): \(scenario.reason)")
                #expect(!scenario.captures.isEmpty, "\(scenario.name) has no capture")
                guard let wire = scenario.wire, let capture = scenario.captures.first else { continue }
                #expect(capture.dropped == 0)
                // An independent decoder must see the same bytes zclab verified.
                let independent = try tsharkStream(capture.path)
                #expect(independent != nil, "tshark is not installed (scripts/setup installs it)")
                if let tshark = independent {
                    #expect(tshark.count == wire.bytes, "\(scenario.name): tshark \(tshark.count) bytes, zclab \(wire.bytes)")
                    #expect(tshark.sha256 == wire.sha256, "\(scenario.name): tshark and zclab disagree on the stream")
                }
            }
        }

        @Test func interruptedRunRemovesEverything() throws {
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("zcl-e2e-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: out) }
            // Interrupt once the run's namespaces exist.
            let result = try run(
                [zclabExecutable(), "run", packageRoot() + "/scenarios/basic", "--filter", "paused", "--out", out],
                interruptAfter: ({ ((try? zclResources()) ?? []).contains { $0.hasPrefix("netns") } }, SIGINT))
            #expect(result.status == 130, "\(result.output)\n\(result.error)")
            let left = try zclResources()
            #expect(left.isEmpty, "left behind: \(left)")
        }

        @Test func cleanRemovesWhatAKilledRunLeft() throws {
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("zcl-e2e-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: out) }
            _ = try run(
                [zclabExecutable(), "run", packageRoot() + "/scenarios/basic", "--filter", "paused", "--out", out],
                interruptAfter: ({ ((try? zclResources()) ?? []).contains { $0.hasPrefix("netns") } }, SIGKILL))
            let killedLeft = try zclResources()
            #expect(!killedLeft.isEmpty, "SIGKILL should have left the namespaces")
            let clean = try run([zclabExecutable(), "clean"])
            #expect(clean.status == 0, "\(clean.output)\(clean.error)")
            let agents = try run(["pgrep", "-f", "zclab agent"])
            #expect(agents.output.isEmpty, "agents outlived their killed runner: \(agents.output)")
            let left = try zclResources()
            #expect(left.isEmpty, "left behind: \(left)")
        }

        @Test func invalidScenarioIsExitTwoWithFileAndLine() throws {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("zcl-bad-\(UUID().uuidString).yaml").path
            try "name: bad\nfile: {size: 1MiB}\nsender: {method: teleport}\n".write(toFile: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: file) }
            let result = try run([zclabExecutable(), "run", file])
            #expect(result.status == 2)
            #expect(result.error.contains("\(file):3:"), "\(result.error)")
        }
    }
}
