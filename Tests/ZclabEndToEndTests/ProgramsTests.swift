import Foundation
import Testing
import ZclabCore

/// Programs under test: nginx and a Python server whose file is truncated
/// mid-response, from the command line and from Swift.
extension EndToEnd {
    @Suite("programs under test")
    struct ProgramsTests {
        /// Processes still running from a program scenario.
        func leftoverPrograms() throws -> String {
            try run(["sh", "-c", "pgrep -ax nginx; pgrep -af '[s]endfile_server.py'; pgrep -ax iperf3; true"]).output
        }

        @Test func shippedProgramsPassAndLeaveNothing() throws {
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("zcl-e2e-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: out) }
            let result = try run([zclabExecutable(), "run", packageRoot() + "/scenarios/programs", "--out", out, "--format", "json", "--keep-captures", "all"])
            #expect(result.status == 0, "\(result.output.suffix(2000))\n\(result.error)")
            let report = try JSONDecoder().decode(RunReport.self, from: Data(result.output.utf8))
            #expect(report.scenarios.count >= 5)
            for scenario in report.scenarios {
                #expect(scenario.verdict == .pass, "\(scenario.name): \(scenario.reason)")
            }
            // The capture and the client agree on what nginx delivered, and the program's output was kept.
            let nginx = try #require(report.scenarios.first { $0.name == "nginx-sendfile-on-truncated" })
            #expect(nginx.observations["client.wire_agrees"] == .flag(true))
            #expect(FileManager.default.fileExists(atPath: out + "/nginx-sendfile-on-truncated/nginx-error.log"))
            // A reviewer can check the programs' captures from the report alone.
            let reverified = try run([zclabExecutable(), "report", "verify", out + "/report.json"])
            #expect(reverified.status == 0, "\(reverified.output)")
            #expect(try leftoverPrograms().isEmpty)
            let left = try leftovers(ofRunIn: out)
            #expect(left.isEmpty, "left behind: \(left)")
        }

        @Test func aServersOwnTestSuiteCanRunAScenarioFromSwift() throws {
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("zcl-e2e-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: out) }
            // As a server's package would: its scenario as text, its own server script.
            let scenario = try ScenarioParser.parse("""
                name: my-server-whole-file
                file: {size: 4MiB}
                program:
                  command: [python3, "\(packageRoot())/scenarios/programs/sendfile_server.py", "{address}", "{port}", "{file}"]
                  port: 8080
                  ready_line: serving
                client:
                  request: "GET / HTTP/1.1\\r\\nHost: zclab\\r\\n\\r\\n"
                expect:
                  http.status: 200
                  receiver.matches: true
                  wire.matches: true
                """, path: "my-server.yaml")
            let report = try RunSession.run(
                [scenario], options: RunSession.Options(executable: zclabExecutable(), outputDirectory: out), signals: SignalWatch())
            #expect(report.scenarios.map(\.verdict) == [.pass], "\(report.scenarios.first?.reason ?? "")")
            #expect(report.cleanupProblems.isEmpty)
            #expect(try leftoverPrograms().isEmpty)
        }
    }
}
