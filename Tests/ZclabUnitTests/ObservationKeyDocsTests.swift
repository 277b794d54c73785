import Foundation
import Testing
import ZclabCore

/// The key table in docs/scenario-format.md is the one the declarations
/// write: a key added, renamed or re-typed in code without `zclab keys` being
/// run into the docs fails here.
@Suite("Observation key docs")
struct ObservationKeyDocsTests {
    @Test func theDocsTableIsTheDeclarationsTable() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let docs = try String(contentsOf: root.appendingPathComponent("docs/scenario-format.md"), encoding: .utf8)
        let (begin, end) = ObservationKeys.docsMarkers
        let start = try #require(docs.range(of: begin + "\n"), "docs/scenario-format.md has no key table marker")
        let stop = try #require(docs.range(of: end, range: start.upperBound ..< docs.endIndex))
        #expect(String(docs[start.upperBound ..< stop.lowerBound]) == ObservationKeys.markdownTable,
                "docs/scenario-format.md's key table differs from the declarations: run `zclab keys` and paste it between the markers")
    }

    @Test func theDocsMethodTableIsTheSendPathsTable() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let docs = try String(contentsOf: root.appendingPathComponent("docs/scenario-format.md"), encoding: .utf8)
        let (begin, end) = SendMethod.docsMarkers
        let start = try #require(docs.range(of: begin + "\n"), "docs/scenario-format.md has no method table marker")
        let stop = try #require(docs.range(of: end, range: start.upperBound ..< docs.endIndex))
        #expect(String(docs[start.upperBound ..< stop.lowerBound]) == SendMethod.markdownTable,
                "docs/scenario-format.md's method table differs from the send paths: run `zclab methods` and paste it between the markers")
    }

    @Test func theReportSchemaNamesExactlyTheDeclaredKeys() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let data = try Data(contentsOf: root.appendingPathComponent("docs/report.schema.json"))
        let schema = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let scenario = (schema["$defs"] as? [String: Any])?["scenario"] as? [String: Any]
        let observations = (scenario?["properties"] as? [String: Any])?["observations"] as? [String: Any]
        let pattern = (observations?["propertyNames"] as? [String: Any])?["pattern"] as? String
        #expect(pattern == ObservationKeys.namePattern,
                "docs/report.schema.json's observation names differ from the declarations: put `zclab keys --schema-pattern` there")
        let regex = try Regex(ObservationKeys.namePattern)
        #expect(try regex.wholeMatch(in: "frames.sender.checksum_partial") != nil)
        #expect(try regex.wholeMatch(in: "sender.script.12.offset_after") != nil)
        #expect(try regex.wholeMatch(in: "sender.nonsense") == nil)
    }

    @Test func everyFixedKeyIsDeclaredOnce() {
        let names = ObservationKeys.fixed.map(\.pattern)
        #expect(Set(names).count == names.count)
        #expect(ObservationKeys.isKnown("sender.bytes") && ObservationKeys.isKnown("wire.payload_bytes"))
        #expect(ObservationKeys.isKnown("frames.receiver.largest_frame") && !ObservationKeys.isKnown("frames.middle.largest_frame"))
    }
}
