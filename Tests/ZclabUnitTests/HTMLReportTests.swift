import Foundation
import Testing
@testable import ZclabCore

@Suite("HTML report")
struct HTMLReportTests {
    /// The verdict tests' report, with a scenario whose name needs escaping
    /// and that has frames on two sides, a setting, feature changes and steps
    /// of three actors.
    func report() -> RunReport {
        var report = VerdictAndReportTests().sampleReport()
        var offload = ScenarioResult(name: #"tso<&"off"#, file: "scenarios/tso.yaml", tags: [], verdict: .fail, reason: "wire.matches: expected true, got false")
        offload.setting = "tso off, mtu 1500"
        let bins = FrameStatistics.binBounds.map { FrameSizeBin(upTo: $0 == Int.max ? nil : $0, frames: $0 == 1514 ? 700 : 1) }
        let statistics = FrameStatistics(
            frames: 720, dataFrames: 709, smallestDataFrame: 66, largestDataFrame: 70_000, smallestSegment: 1, largestSegment: 69_934,
            firstSegments: [1448, 1448], histogram: bins, checksums: ChecksumTally(valid: 700, partial: 9))
        offload.frames = ["sender": statistics, "receiver": statistics]
        offload.topology = TopologyRecord(
            kind: "veth", mtu: 1500, sender: "zcls0", receiver: "zclr0", features: [:],
            featureChanges: [FeatureChange(interface: "zcls0", feature: "tx-tcp-segmentation", before: "on", requested: "off", after: "off", restored: "on")])
        offload.steps = [
            SyscallStep(actor: "runner", call: "observe", arguments: "resume <receiver>", calls: 1, returned: nil,
                        returnMin: nil, returnMax: nil, errno: nil, signal: nil, durationNs: 0),
            SyscallStep(actor: "sender", call: "sendfile", arguments: "out_fd=3 in_fd=4", calls: 4, returned: 262_144,
                        returnMin: 65536, returnMax: 65536, errno: nil, signal: nil, durationNs: 90_000),
            SyscallStep(actor: "sender", call: "sendfile", arguments: "out_fd=3 in_fd=4", calls: 1, returned: nil,
                        returnMin: nil, returnMax: nil, errno: "EPIPE", signal: nil, durationNs: 1000),
            SyscallStep(actor: "receiver", call: "read", arguments: "fd=3", calls: 9, returned: 200_000,
                        returnMin: 1, returnMax: 65536, errno: nil, signal: nil, durationNs: 50_000),
        ]
        offload.received = StreamCheck(bytes: 200_000, sha256: "", expectedBytes: 262_144, matches: false, firstMismatch: nil)
        offload.assertions = [
            Assertion(what: "wire.matches", expected: "true", actual: "false", ok: false, note: "capture had <drops>"),
            Assertion(what: "sender.exit", expected: "0", actual: "0", ok: true, note: nil),
        ]
        report.scenarios.append(offload)
        return report
    }

    func count(_ needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    @Test func tagsAreBalanced() {
        let page = ReportFormat.html.render(report())
        for tag in ["html", "body", "table", "tr", "details", "summary", "svg", "figure", "p", "ul", "g", "title"] {
            let opened = count("<\(tag)>", in: page) + count("<\(tag) ", in: page)
            #expect(opened == count("</\(tag)>", in: page), "<\(tag)> opened \(opened) times")
            #expect(opened > 0, "no <\(tag)>")
        }
    }

    @Test func textIsEscaped() {
        let page = ReportFormat.html.render(report())
        #expect(page.contains("tso&lt;&amp;&quot;off"))
        #expect(!page.contains(#"tso<&"off"#))
        #expect(page.contains("b&lt;&amp;&gt;"))
        #expect(page.contains("resume &lt;receiver&gt;"))
        #expect(page.contains("capture had &lt;drops&gt;"))
    }

    @Test func nothingIsFetched() {
        let page = ReportFormat.html.render(report())
        #expect(!page.contains("http://"))
        #expect(!page.contains("https://"))
        #expect(!page.contains("src="))
        #expect(!page.contains("<script"))
        #expect(!page.contains("<link"))
        #expect(count("href=\"", in: page) == count("href=\"#", in: page))
    }

    @Test func aHistogramPerMatrixRowAndPerCapturedSide() {
        let report = report()
        let page = ReportFormat.html.render(report)
        #expect(OffloadMatrix(report).rows.count == 2)
        // two rows of the matrix, and the two sides in the scenario's section
        #expect(count("<svg class=\"histogram\"", in: page) == 4)
        #expect(page.contains(">≤1514<"))
        #expect(page.contains(">&gt;65549<"))
    }

    @Test func timelineHasALanePerActorAndSaysItIsNotTimed() {
        let page = ReportFormat.html.render(report())
        #expect(count("<svg class=\"timeline\"", in: page) == 2)  // the sample's first scenario has a step too
        for actor in ["sender", "receiver", "runner"] { #expect(page.contains(">\(actor)</text>"), "no lane for \(actor)") }
        #expect(page.contains("No start times are recorded"))
        #expect(page.contains("sendfile ×4"))
        #expect(page.contains(">EPIPE<"))
        #expect(page.contains("summed along its steps: 256 KiB; <span class=\"key-received\">╍</span> received 200000"))
    }

    @Test func failedAssertionsAreTheFindings() {
        let page = ReportFormat.html.render(report())
        let findings = page.components(separatedBy: "<h2>Findings</h2>")[1].components(separatedBy: "<h2>")[0]
        #expect(findings.contains("<code>wire.matches</code>"))
        #expect(!findings.contains("<code>sender.exit</code>"))
        #expect(findings.contains("wire.matches: expected true, got false"))  // b<&> has no assertions: its reason
    }
}
