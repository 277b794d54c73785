import Foundation
import Testing
import ZclabCore

/// A representative subset of scenarios/zerocopy on the kernel: ids, readiness,
/// the room running out, buffer reuse, io_uring SEND_ZC and a simulation; and
/// the vectored paths, sendmsg-zerocopy and io-uring-sendmsg-zc.
extension EndToEnd {
    @Suite("MSG_ZEROCOPY and io_uring SEND_ZC")
    struct ZerocopyTests {
        @Test func representativeSubsetPassesNextToTheModel() throws {
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("zcl-e2e-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: out) }
            let names = [
                "msg-zerocopy-ids-sizes", "msg-zerocopy-ids-zero-length-udp", "msg-zerocopy-readiness",
                "msg-zerocopy-room-optmem", "msg-zerocopy-modify-after-send", "vmsplice-rewrite-after-send",
                "io-uring-send-zc-veth", "io-uring-send-zc-bad-flag", "model-msg-zerocopy-id-wrap-read-at-end",
            ]
            let result = try run(
                [zclabExecutable(), "run", packageRoot() + "/scenarios/zerocopy", "--out", out, "--format", "json"]
                    + names.flatMap { ["--filter", $0] })
            #expect(result.status == 0, "\(result.output.suffix(2000))\n\(result.error)")
            let report = try JSONDecoder().decode(RunReport.self, from: Data(result.output.utf8))
            #expect(Set(report.scenarios.map(\.name)).isSuperset(of: names))  // --filter matches substrings
            for scenario in report.scenarios {
                #expect(scenario.verdict == .pass, "\(scenario.name): \(scenario.reason)")
                if scenario.name.hasPrefix("msg-zerocopy") {
                    // Run on the kernel, compared with the model: the same ids, the same codes.
                    #expect(scenario.model != nil, "\(scenario.name) has no model comparison")
                    #expect(scenario.observations["model.ids_agree"] == .flag(true), "\(scenario.name)")
                }
            }
            #expect(report.scenarios.first { $0.name.hasPrefix("model-") }?.backend == "model")
            let left = try leftovers(ofRunIn: out)
            #expect(left.isEmpty, "left behind: \(left)")
        }

        /// The vectored paths (header and file in one iovec): over veth and
        /// loopback, truncated while blocked, and the buffer rewritten after
        /// every call returned; the stream on the wire is the header, then the file.
        @Test func vectoredPathsCarryHeaderThenFile() throws {
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("zcl-e2e-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: out) }
            let result = try run(
                [zclabExecutable(), "run", packageRoot() + "/scenarios/zerocopy", "--filter", "vectored", "--out", out, "--format", "json"])
            #expect(result.status == 0, "\(result.output.suffix(2000))\n\(result.error)")
            let report = try JSONDecoder().decode(RunReport.self, from: Data(result.output.utf8))
            #expect(report.scenarios.count == 8)
            for scenario in report.scenarios {
                #expect(scenario.verdict == .pass, "\(scenario.name): \(scenario.reason)")
                #expect(scenario.observations["sender.pread.return_total"] == .number(200), "\(scenario.name): the header's read")
                if scenario.name.hasSuffix("veth") || scenario.name.hasSuffix("loopback") {
                    #expect(scenario.observations["wire.bytes"] == .number(4_194_304 + 200), "\(scenario.name)")
                }
            }
            let left = try leftovers(ofRunIn: out)
            #expect(left.isEmpty, "left behind: \(left)")
        }
    }
}
