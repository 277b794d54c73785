import Foundation
import Testing
import ZclabCore
#if canImport(Glibc)
import Glibc
#endif

/// The command line's contract, checked on the built binary: bad usage is
/// exit status 2 with the option or path in words, a signal stops a run at
/// any moment with 128 + its number and nothing left, and results reach a
/// pipe as scenarios finish.
extension EndToEnd {
    @Suite("runtime and command line")
    struct RuntimeTests {
        static let tso = packageRoot() + "/scenarios/offload/tso-off-mid-transfer.yaml"
        static let loopback = packageRoot() + "/scenarios/basic/sendfile-loopback.yaml"

        /// A scratch folder for one test, removed by the caller.
        func scratch() throws -> String {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("zcl-rt-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            return path
        }

        @Test func badUsageExitsTwoSayingWhatIsWrong() throws {
            let dir = try scratch()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let empty = dir + "/empty"
            try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
            try #"{"zclab_version": "0.1.0"}"#.write(toFile: dir + "/shape.json", atomically: true, encoding: .utf8)
            try "not json\n".write(toFile: dir + "/text.json", atomically: true, encoding: .utf8)
            // A real report, from the model backend (no namespaces).
            let model = try run([zclabExecutable(), "run", packageRoot() + "/scenarios/zerocopy", "--backend", "model", "--out", dir + "/model"])
            #expect(model.status == 0 || model.status == 4, "\(model.error)")
            let report = dir + "/model/report.json"
            let cases: [([String], String)] = [
                (["--bogus"], "Unknown option '--bogus'"),
                (["bogus"], "'bogus'"),
                (["run", "--format", "bogus", Self.loopback], "--format"),
                (["run", "--backend", "bogus", Self.loopback], "--backend"),
                (["run", "--namespace-sysctl", "net/x=1", Self.loopback], "--namespace-sysctl"),
                (["run", "--namespace-sysctl", "net/core/optmem_max=lots", Self.loopback], "--namespace-sysctl: net/core/optmem_max takes a whole number"),
                (["verify", "x.pcap"], "--expect"),
                (["verify", "x.pcap", "--pattern-size", "1MiB", "--port", "70000"], "--port"),
                (["verify", "x.pcap", "--pattern-size", "99999999999999999999"], "--pattern-size"),
                (["verify", "x.pcap", "--pattern-size", "9300000000000000000"], "--pattern-size"),
                (["verify", "x.pcap", "--pattern-size", "8388607TiB+8388607TiB"], "--pattern-size"),
                (["verify", "x.pcap", "--pattern-size", "1MiB", "--start-offset", "8388607TiB+8388607TiB"], "--start-offset"),
                (["verify", "x.pcap", "--pattern-size", "2TiB"], "--pattern-size: '2TiB' is not a byte count from 0 to 1 TiB"),
                (["verify", "x.pcap", "--pattern-size", "1MiB", "--start-offset", "1GiB"], "--start-offset: '1GiB' is not a byte count from 0 to 1048576"),
                (["run", "/nonexistent.yaml"], "/nonexistent.yaml: no such file or folder"),
                (["check", "/nonexistent.yaml"], "/nonexistent.yaml: no such file or folder"),
                (["check", empty], "no scenario file in \(empty)"),
                (["list", empty], "no scenario file in \(empty)"),
                (["run", "--out", "/etc/hostname", Self.loopback], "--out /etc/hostname: /etc/hostname exists and is not a folder"),
                (["run", "--out", "/proc/zcl-out", Self.loopback], "--out /proc/zcl-out: cannot create /proc/zcl-out"),
                (["run", "--out", "/sys", Self.loopback], "--out /sys: cannot write there"),
                (["run", "--baseline", dir + "/missing.json", "--out", dir + "/baseline", Self.loopback], "--baseline \(dir)/missing.json: no such file"),
                (["run", "--baseline", dir + "/shape.json", "--out", dir + "/baseline", Self.loopback], "not a zclab report: missing field"),
                (["report", "verify", dir + "/missing.json"], "\(dir)/missing.json: no such file"),
                (["report", "verify", dir + "/shape.json"], "\(dir)/shape.json: not a zclab report: missing field 'run_id'"),
                (["report", "diff", dir + "/text.json", report], "\(dir)/text.json: not a zclab report: not JSON"),
                (["report", "html", dir], "\(dir): is a folder, not a report.json"),
                (["report", "html", report, "--out", "/etc/hostname/page.html"], "--out /etc/hostname/page.html: cannot write"),
                (["report", "html", report, "--out", dir], "--out \(dir): is a folder, not a file"),
                (["rerun", dir + "/shape.json"], "not a zclab report: missing field"),
                (["findings", dir + "/text.json"], "not a zclab report: not JSON"),
                (["findings", report, "--claims", dir + "/claims.yaml"], "--claims \(dir)/claims.yaml: no such file"),
            ]
            for (arguments, message) in cases {
                let result = try run([zclabExecutable()] + arguments)
                #expect(result.status == 2, "zclab \(arguments.joined(separator: " ")): exit \(result.status)\n\(result.error)")
                #expect(result.error.contains(message), "zclab \(arguments.joined(separator: " ")): \(result.error)")
                for raw in ["CodingKeys", "DecodingError", "Error Domain", "NSCocoaErrorDomain"] {
                    #expect(!result.error.contains(raw), "zclab \(arguments.joined(separator: " ")): \(result.error)")
                }
            }
            // A bad baseline is found before anything runs.
            #expect(!FileManager.default.fileExists(atPath: dir + "/baseline/report.json"))
            for arguments in [["--help"], ["--version"], ["run", "--help"], ["verify", "--help"]] {
                #expect(try run([zclabExecutable()] + arguments).status == 0, "zclab \(arguments.joined(separator: " "))")
            }
        }

        /// Where a run stands, as /proc shows the runner's children.
        enum Moment: String, CaseIterable {
            /// Anything started: the topology's `ip` commands, or agents.
            case setup
            /// The sender agent runs.
            case transfer
            /// The agents are gone and the runner still works: wire verification, teardown.
            case afterAgents
            /// The first scenario's result line is out; the second is next.
            case betweenScenarios
        }

        /// Starts `zclab run` as a non-interactive shell's background job
        /// (which inherits SIGINT ignored, as `zclab run ... &` in a script
        /// does), sends `signal` at `moment`, and checks the exit status and
        /// that nothing of the run is left.
        func interrupt(at moment: Moment, with signal: Int32) throws {
            let dir = try scratch()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let scenarios = moment == .betweenScenarios ? [Self.loopback, Self.tso] : [Self.tso]
            let shell = try ChildProcess(
                ["sh", "-c", #""$0" "$@" & echo $! > '\#(dir)/pid'; wait $!"#, zclabExecutable(), "run", "--format", "tap", "--out", dir + "/out"]
                    + scenarios,
                outputPath: dir + "/stdout", errorPath: dir + "/stderr")
            var runner: pid_t?
            var sawSender = false
            var reached = false
            while shell.poll() == nil && !reached {
                usleep(10_000)
                if runner == nil { runner = (try? String(contentsOfFile: dir + "/pid", encoding: .utf8)).flatMap { pid_t($0.trimmingCharacters(in: .whitespacesAndNewlines)) } }
                guard let pid = runner else { continue }
                let children = childCommands(of: pid)
                sawSender = sawSender || children.contains { $0.contains("agent sender") }
                switch moment {
                case .setup: reached = !children.isEmpty
                case .transfer: reached = sawSender
                case .afterAgents: reached = sawSender && !children.contains { $0.contains(" agent ") }
                case .betweenScenarios:
                    reached = ((try? String(contentsOfFile: dir + "/stdout", encoding: .utf8)) ?? "").contains("ok 1 - ")
                }
                if reached, kill(pid, signal) != 0 { reached = false }
            }
            let ended = shell.wait()
            #expect(reached, "the run ended before \(moment.rawValue)")
            let error = (try? String(contentsOfFile: dir + "/stderr", encoding: .utf8)) ?? ""
            #expect(ended == .exited(128 + signal), "\(moment.rawValue): \(ended)\n\(error)")
            #expect(error.contains("interrupted by \(signalName(signal)); everything created was removed"), "\(error)")
            // The report is still written; its run ID names everything the run created.
            let report = try JSONDecoder().decode(RunReport.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/out/report.json")))
            let left = try leftovers(ofRun: report.runID)
            #expect(left.isEmpty, "\(moment.rawValue): left behind: \(left)")
        }

        @Test(arguments: Moment.allCases)
        func sigintStopsARunAtAnyMoment(moment: Moment) throws {
            try interrupt(at: moment, with: SIGINT)
        }

        @Test func sigtermStopsARunMidTransfer() throws {
            try interrupt(at: .transfer, with: SIGTERM)
        }

        /// At MTU 68 Linux cannot make segments small enough (its smallest
        /// MSS is larger), so it sends them without DF and fragments them
        /// itself: the capture holds fragments, and the wire check must put
        /// them together, as tshark does.
        @Test func fragmentedSegmentsAtMTU68Verify() throws {
            let dir = try scratch()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try """
                name: sendfile-mtu68
                description: "sendfile over veth at the IPv4 minimum MTU: IP fragments on the wire"
                topology: {kind: veth, mtu: 68}
                file: {size: 64KiB, seed: 3}
                sender: {method: sendfile}
                expect:
                  sender.exit: 0
                  receiver.matches: true
                  wire.status: pass
                  wire.bytes: 64KiB
                """.write(toFile: dir + "/mtu68.yaml", atomically: true, encoding: .utf8)
            let result = try run([zclabExecutable(), "run", dir + "/mtu68.yaml", "--out", dir + "/out"])
            #expect(result.status == 0, "\(result.output)\n\(result.error)")
            let report = try JSONDecoder().decode(RunReport.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/out/report.json")))
            let scenario = try #require(report.scenarios.first)
            let wire = try #require(scenario.wire)
            #expect(wire.notes.contains { $0.contains("IP fragment(s) reassembled") }, "\(wire.notes)")
            #expect(try leftovers(ofRun: report.runID).isEmpty)
            if let capture = scenario.captures.first, let tshark = try tsharkStream(capture.path) {
                #expect(tshark.count == wire.bytes && tshark.sha256 == wire.sha256, "tshark and zclab disagree on the stream")
            }
        }

        @Test func resultsReachAPipeAsScenariosFinish() throws {
            let dir = try scratch()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let child = try ChildProcess(
                [zclabExecutable(), "run", "--format", "tap", "--out", dir, Self.loopback, Self.tso],
                pipeOutput: true, errorPath: dir + "/stderr")
            var text = ""
            var buffer = [UInt8](repeating: 0, count: 4096)
            var firstResultBeforeEnd: Bool?
            while let output = child.output {
                let count = buffer.withUnsafeMutableBytes { Glibc.read(output.rawValue, $0.baseAddress, $0.count) }
                guard count > 0 else { break }
                text += String(decoding: buffer[..<count], as: UTF8.self)
                if firstResultBeforeEnd == nil, text.contains("ok 1 - sendfile-loopback\n") {
                    // The report is written once every scenario has run: the run's end.
                    firstResultBeforeEnd = !FileManager.default.fileExists(atPath: dir + "/report.json")
                }
            }
            child.closePipes()
            #expect(child.wait() == .exited(0), "\(text)")
            #expect(firstResultBeforeEnd == true, "\(text)")
            #expect(text.hasPrefix("TAP version 13\n1..2\nok 1 - sendfile-loopback\nok 2 - tso-off-mid-transfer\n"), "\(text)")
        }

        /// `zclab run | head -1`: the reader goes after the first line; the
        /// run must go on to its end and remove everything, not die of SIGPIPE.
        @Test func aReaderThatGoesAwayDoesNotKillTheRun() throws {
            let dir = try scratch()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let child = try ChildProcess(
                [zclabExecutable(), "run", "--format", "tap", "--out", dir + "/out", Self.loopback, Self.tso],
                pipeOutput: true, errorPath: dir + "/stderr")
            var buffer = [UInt8](repeating: 0, count: 64)
            if let output = child.output {
                _ = buffer.withUnsafeMutableBytes { Glibc.read(output.rawValue, $0.baseAddress, $0.count) }
            }
            child.closePipes()
            let ended = child.wait()
            #expect(ended == .exited(0), "\(ended): \((try? String(contentsOfFile: dir + "/stderr", encoding: .utf8)) ?? "")")
            let report = try JSONDecoder().decode(RunReport.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/out/report.json")))
            #expect(report.scenarios.map(\.verdict) == [.pass, .pass])
            #expect(try leftovers(ofRun: report.runID).isEmpty)
        }
    }
}

/// The command lines of the processes whose parent is `pid`.
func childCommands(of pid: pid_t) -> [String] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { entry -> String? in
        guard Int32(entry) != nil,
              let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // pid (comm) state ppid ...: the command may hold spaces and parentheses.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 1, pid_t(fields[1]) == pid,
              let command = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(entry)/cmdline")) else { return nil }
        return String(decoding: command.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
    }
}
