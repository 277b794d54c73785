import Testing
@testable import ZclabCore

@Suite("Frame statistics, checksums and device features")
struct FramesAndFeaturesTests {
    let flow = FlowKey(source: .v4(0xC000_0201), sourcePort: 40000, destination: .v4(0xC000_0202), destinationPort: 5001)

    /// A synthetic Ethernet frame of `payload`, with its TCP checksum field set by `fill`.
    func frame(_ payload: [UInt8], fill: (inout [UInt8], Int, Int) -> Void) -> [UInt8] {
        var bytes = payload.withUnsafeBytes { SyntheticFrameBuilder().frame(flow: flow, sequenceNumber: 1, payload: $0) }
        let tcpStart = 14 + 20
        fill(&bytes, tcpStart, bytes.count - tcpStart)
        return bytes
    }

    func state(_ bytes: [UInt8]) -> TransportChecksum.State {
        bytes.withUnsafeBytes { raw in
            guard case .success(let segment) = PacketDecoder.decode(raw, linkType: .ethernet, originalLength: raw.count) else {
                return .unchecked
            }
            return TransportChecksum.state(of: segment, in: raw)
        }
    }

    func setField(_ bytes: inout [UInt8], _ start: Int, _ value: UInt16) {
        bytes[start + 16] = UInt8(value >> 8)
        bytes[start + 17] = UInt8(value & 0xFF)
    }

    @Test func checksumsAreValidPartialOrInvalid() {
        let payload = (0 ..< 101).map { UInt8($0 & 0xFF) }  // odd length: the last byte is padded
        let pseudo = { (length: Int) in TransportChecksum.pseudoHeaderSum(flow, length: length) }
        let valid = frame(payload) { bytes, start, length in
            let sum = bytes.withUnsafeBytes { TransportChecksum.sum(UnsafeRawBufferPointer(rebasing: $0[start...])) }
            setField(&bytes, start, ~TransportChecksum.fold(pseudo(length) + sum))
        }
        #expect(state(valid) == .valid)
        let partial = frame(payload) { bytes, start, length in setField(&bytes, start, TransportChecksum.fold(pseudo(length))) }
        #expect(state(partial) == .partial)
        let invalid = frame(payload) { bytes, start, _ in setField(&bytes, start, 0x1234) }
        #expect(state(invalid) == .invalid)
    }

    @Test func tallyCountsSizesAndBins() {
        var tally = FrameTally()
        for size in [0, 1448, 200, 65160] {
            let bytes = frame([UInt8](repeating: 7, count: size)) { _, _, _ in }
            bytes.withUnsafeBytes { raw in
                if case .success(let segment) = PacketDecoder.decode(raw, linkType: .ethernet, originalLength: raw.count) {
                    tally.add(segment, packet: raw, wireLength: raw.count)
                }
            }
        }
        let statistics = tally.finish()
        #expect(statistics.frames == 4)
        #expect(statistics.dataFrames == 3)
        #expect(statistics.firstSegments == [1448, 200, 65160])
        #expect(statistics.smallestSegment == 200)
        #expect(statistics.largestDataFrame == 65160 + 54)
        #expect(statistics.histogram.map(\.frames) == [0, 1, 1, 0, 0, 0, 0, 1, 0])
        #expect(statistics.checksums.summary == "invalid")
    }

    @Test func shortFeatureNamesExpand() {
        let on = InterfaceFeatures.State(on: true, fixed: false)
        let features: [String: InterfaceFeatures.State] = [
            "tx-checksum-ipv4": .init(on: false, fixed: true), "tx-checksum-ip-generic": on, "tx-scatter-gather": on,
            "tx-tcp-segmentation": on, "tx-tcp6-segmentation": on, "tx-generic-segmentation": on,
            "rx-gro": .init(on: false, fixed: false),
        ]
        #expect(features["tx-checksum-ipv4"]?.fixed == true)
        #expect(features["rx-gro"]?.on == false)
        #expect(InterfaceFeatures.expand("tso", available: features) == ["tx-tcp-segmentation", "tx-tcp6-segmentation"])
        #expect(InterfaceFeatures.expand("tx", available: features) == ["tx-checksum-ip-generic", "tx-checksum-ipv4"])
        #expect(InterfaceFeatures.expand("lro", available: features) == [])
        #expect(InterfaceFeatures.expand("rx-gro", available: features) == ["rx-gro"])
    }

    @Test func topologyFeaturesAndHeaderFramingParse() throws {
        let scenario = try ScenarioParser.parse("""
            name: cork
            topology: {kind: veth, mtu: 9000, sender_features: {tso: off, tx-generic-segmentation: off}, receiver_features: {gro: on}}
            file: {size: 1MiB}
            sender: {method: sendfile, header: 200, cork: true, nodelay: yes}
            expect:
              frames.receiver.first_segments: "1448 1448"
              features.sender.tx-tcp-segmentation: off
            """, path: "x.yaml")
        #expect(scenario.topology.senderFeatures == ["tso": false, "tx-generic-segmentation": false])
        #expect(scenario.topology.receiverFeatures == ["gro": true])
        #expect(scenario.workload.sender?.framing == HeaderFraming(header: 200, cork: true, nodelay: true))
        #expect(scenario.expectedStream.count == (1 << 20) + 200)
    }

    @Test func aFeatureChangeAndAWireTriggerParse() throws {
        let scenario = try ScenarioParser.parse("""
            name: toggle
            file: {size: 1MiB}
            receiver: {pause_after: 4KiB}
            sender: {method: sendfile}
            actions:
              - when: wire.bytes
                bytes: 512KiB
                do: features
                on: receiver
                set: {gro: on}
              - when: [receiver.paused, previous.done]
                do: resume-receiver
            expect: {wire.matches: true}
            """, path: "x.yaml")
        #expect(scenario.actions[0].kind == .features(side: .receiver, settings: ["gro": true]))
        #expect(scenario.actions[0].triggers == [.wireBytes])
        #expect(scenario.actions[0].wireBytes == 512 << 10)
        expectParseError("""
            name: x
            file: {size: 1MiB}
            sender: {method: sendfile}
            actions:
              - when: wire.bytes
                do: truncate
                to: 1
            expect: {wire.matches: true}
            """, line: 5, message: "wire.bytes needs bytes")
    }

    @Test func badFeaturesAndFramingSayWhere() {
        expectParseError("""
            name: x
            topology: {sender_features: {turbo: on}}
            file: {size: 1MiB}
            sender: {method: sendfile}
            expect: {wire.matches: true}
            """, line: 2, message: "unknown feature 'turbo'")
        expectParseError("""
            name: x
            file: {size: 1MiB}
            sender: {method: sendfile, cork: true}
            expect: {wire.matches: true}
            """, line: 3, message: "cork, more and nodelay go with a header")
        expectParseError("""
            name: x
            file: {size: 100}
            sender: {method: sendfile, header: 200}
            expect: {wire.matches: true}
            """, line: 3, message: "cannot be longer than the file")
        expectParseError("""
            name: x
            file: {size: 1MiB}
            sender: {method: sendfile}
            expect: {frames.middle.largest_frame: 1514}
            """, line: 4, message: "frames.middle.largest_frame")
    }

    @Test func matrixHasARowPerSettingAndSide() {
        var result = ScenarioResult(name: "sg-off", file: "x.yaml", tags: [], verdict: .pass, reason: "")
        result.setting = "sendfile; MTU 1500; sender sg off"
        var statistics = FrameTally().finish()
        statistics.dataFrames = 3
        statistics.checksums.partial = 3
        result.frames = ["receiver": statistics, "sender": statistics]
        result.observations = ["frames.receiver.matches": .flag(true), "zerocopy.notifications": .number(4), "zerocopy.copied_notifications": .number(3)]
        var unset = result
        unset.setting = nil
        let report = RunReport(
            zclabVersion: "t", runID: "r", startedAt: "", command: [], outputDirectory: "/tmp",
            environment: EnvironmentFingerprint.current(), scenarios: [result, unset])
        let matrix = OffloadMatrix(report)
        #expect(matrix.rows.map(\.side) == ["sender", "receiver"])
        #expect(matrix.rows[1].cells[5] == "partial")
        #expect(matrix.rows[1].cells[6] == "zero-copy 1/4")
        #expect(matrix.rows[1].cells[7] == "intact")
        #expect(ReportRendering.markdown(report).contains("## Offload matrix"))
    }
}
