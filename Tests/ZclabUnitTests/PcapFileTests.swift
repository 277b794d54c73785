import Foundation
import Testing
@testable import ZclabCore

/// Bytes of a hand-built capture file in one byte order.
struct FileBytes {
    var bigEndian: Bool
    var bytes: [UInt8] = []

    mutating func u16(_ value: UInt16) { append(bigEndian ? value.bigEndian : value.littleEndian) }
    mutating func u32(_ value: UInt32) { append(bigEndian ? value.bigEndian : value.littleEndian) }
    mutating func u64(_ value: UInt64) { append(bigEndian ? value.bigEndian : value.littleEndian) }
    mutating func raw(_ data: [UInt8]) { bytes += data }
    private mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value) { bytes += $0 }
    }
}

/// A unique path under the temporary directory, removed by `cleanUp`.
func temporaryCapturePath(_ name: String) -> String {
    FileManager.default.temporaryDirectory
        .appendingPathComponent("zclab-unit-\(name)-\(UUID().uuidString).pcap").path
}

func writeTemporaryCapture(_ bytes: [UInt8], name: String) throws -> String {
    let path = temporaryCapturePath(name)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}

func packets(of path: String) throws -> [(number: Int, time: Int64, link: LinkType, caplen: Int, origlen: Int, bytes: [UInt8], interface: Int)] {
    var result: [(number: Int, time: Int64, link: LinkType, caplen: Int, origlen: Int, bytes: [UInt8], interface: Int)] = []
    try PcapFile(path: path).forEachPacket { packet in
        result.append((packet.number, packet.timestampNanoseconds, packet.linkType, packet.capturedLength,
                       packet.originalLength, Array(packet.bytes), packet.interfaceIndex))
    }
    return result
}

@Suite("PcapFile")
struct PcapFileTests {
    @Test("classic pcap: µs and ns timestamps, both byte orders", arguments: [
        (false, false), (false, true), (true, false), (true, true),
    ])
    func classic(nanosecond: Bool, bigEndian: Bool) throws {
        var file = FileBytes(bigEndian: bigEndian)
        file.u32(nanosecond ? 0xA1B2_3C4D : 0xA1B2_C3D4)
        file.u16(2); file.u16(4); file.u32(0); file.u32(0); file.u32(65535)
        file.u32(113 | 0x1000_0000)  // LINUX_SLL with an FCS flag in the upper bits
        file.u32(1_700_000_000); file.u32(123_456); file.u32(3); file.u32(60); file.raw([1, 2, 3])
        file.u32(1_700_000_001); file.u32(999_999); file.u32(0); file.u32(0)
        let path = try writeTemporaryCapture(file.bytes, name: "classic")
        defer { try? FileManager.default.removeItem(atPath: path) }

        let capture = try PcapFile(path: path)
        #expect(capture.format == .pcap(nanosecond: nanosecond, swapped: bigEndian))
        #expect(capture.fileLinkType == .linuxSLL)
        let read = try packets(of: path)
        #expect(read.count == 2)
        let scale: Int64 = nanosecond ? 1 : 1000
        #expect(read[0].time == 1_700_000_000 * 1_000_000_000 + 123_456 * scale)
        #expect(read[0].caplen == 3 && read[0].origlen == 60 && read[0].bytes == [1, 2, 3])
        #expect(read[0].number == 1 && read[1].number == 2 && read[0].link == .linuxSLL)
        #expect(read[1].time == 1_700_000_001 * 1_000_000_000 + 999_999 * scale)
        #expect(read[1].bytes.isEmpty)
    }

    func pcapng(bigEndian: Bool) -> [UInt8] {
        var file = FileBytes(bigEndian: bigEndian)
        func block(_ type: UInt32, _ body: [UInt8]) {
            let padded = body + [UInt8](repeating: 0, count: (4 - body.count % 4) % 4)
            file.u32(type); file.u32(UInt32(12 + padded.count)); file.raw(padded); file.u32(UInt32(12 + padded.count))
        }
        func body(_ build: (inout FileBytes) -> Void) -> [UInt8] {
            var body = FileBytes(bigEndian: bigEndian)
            build(&body)
            return body.bytes
        }
        block(0x0A0D_0D0A, body { $0.u32(0x1A2B_3C4D); $0.u16(1); $0.u16(0); $0.u64(UInt64.max) })
        // Interface 0: Ethernet, nanoseconds, with a comment option first.
        block(1, body {
            $0.u16(1); $0.u16(0); $0.u32(0)
            $0.u16(1); $0.u16(3); $0.raw([0x61, 0x62, 0x63, 0])  // opt_comment "abc"
            $0.u16(9); $0.u16(1); $0.raw([9, 0, 0, 0])           // if_tsresol 10^-9
            $0.u16(0); $0.u16(0)
        })
        // Interface 1: LINUX_SLL2, default microseconds, snaplen 4.
        block(1, body { $0.u16(276); $0.u16(0); $0.u32(4) })
        block(0x0000_0BAD, [1, 2, 3, 4])  // a custom block, skipped
        let ticks: UInt64 = 1_700_000_000_123_456_789
        block(6, body {
            $0.u32(0); $0.u32(UInt32(ticks >> 32)); $0.u32(UInt32(truncatingIfNeeded: ticks))
            $0.u32(5); $0.u32(1514); $0.raw([10, 11, 12, 13, 14])
        })
        let microseconds: UInt64 = 1_700_000_000_654_321
        block(6, body {
            $0.u32(1); $0.u32(UInt32(microseconds >> 32)); $0.u32(UInt32(truncatingIfNeeded: microseconds))
            $0.u32(2); $0.u32(2); $0.raw([20, 21])
        })
        return file.bytes
    }

    @Test("pcapng: both byte orders, per-interface link type and if_tsresol, other blocks skipped", arguments: [false, true])
    func pcapngFile(bigEndian: Bool) throws {
        let path = try writeTemporaryCapture(pcapng(bigEndian: bigEndian), name: "pcapng")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try PcapFile(path: path).format == .pcapng)
        let read = try packets(of: path)
        #expect(read.count == 2)
        #expect(read[0].link == .ethernet && read[0].interface == 0)
        #expect(read[0].time == 1_700_000_000_123_456_789)
        #expect(read[0].bytes == [10, 11, 12, 13, 14] && read[0].origlen == 1514)
        #expect(read[1].link == .linuxSLL2 && read[1].interface == 1)
        #expect(read[1].time == 1_700_000_000_654_321_000)
        #expect(read[1].bytes == [20, 21])
    }

    @Test("pcapng simple packet block takes interface 0 and its snaplen")
    func simplePacketBlock() throws {
        var file = FileBytes(bigEndian: false)
        file.u32(0x0A0D_0D0A); file.u32(28); file.u32(0x1A2B_3C4D); file.u16(1); file.u16(0); file.u64(UInt64.max); file.u32(28)
        file.u32(1); file.u32(20); file.u16(101); file.u16(0); file.u32(3); file.u32(20)
        file.u32(3); file.u32(24); file.u32(6); file.raw([1, 2, 3, 4, 5, 6, 0, 0]); file.u32(24)
        let path = try writeTemporaryCapture(file.bytes, name: "spb")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let read = try packets(of: path)
        #expect(read.count == 1)
        #expect(read[0].link == .raw && read[0].bytes == [1, 2, 3] && read[0].origlen == 6)
    }

    @Test("a file cut inside a packet record names the path and the byte")
    func truncatedRecord() throws {
        let writer = PcapWriter()
        try writer.append([UInt8](repeating: 7, count: 100), timestampNanoseconds: 1)
        try writer.append([UInt8](repeating: 8, count: 100), timestampNanoseconds: 2)
        let path = try writeTemporaryCapture(Array(writer.bytes.dropLast(10)), name: "cut")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var seen = 0
        let error = #expect(throws: CaptureFileError.self) {
            try PcapFile(path: path).forEachPacket { _ in seen += 1 }
        }
        #expect(seen == 1)
        #expect(error == .truncatedRecord(path: path, offset: 24 + 116, needed: 116, available: 106))
        #expect(error?.description.contains(path) == true)
        #expect(error?.description.contains("truncated packet record at byte 140") == true)
    }

    @Test("a file cut inside its header names the path")
    func truncatedHeader() throws {
        let path = try writeTemporaryCapture(Array(PcapWriter().bytes.prefix(10)), name: "header")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: CaptureFileError.self) { try PcapFile(path: path) }
        #expect(error?.description == "\(path): truncated header at byte 0")
    }

    @Test("other files are refused with the path and reason")
    func notACaptureFile() throws {
        let path = try writeTemporaryCapture(Array("hello, world\n".utf8), name: "text")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: CaptureFileError.self) { try PcapFile(path: path) }
        #expect(error?.description.hasPrefix("\(path): not a capture file") == true)
        let missing = #expect(throws: CaptureFileError.self) { try PcapFile(path: path + ".absent") }
        #expect(missing?.description.contains("No such file") == true)
    }

    @Test("PcapWriter keeps snaplen bytes and the original length, to memory and to a file")
    func writerRoundTrip() throws {
        let path = temporaryCapturePath("writer")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try PcapWriter(path: path, linkType: .raw, snapLength: 8)
        try writer.append(Array(0 ..< 20), timestampNanoseconds: 5_000_000_123)
        try writer.close()
        let read = try packets(of: path)
        #expect(read.count == 1)
        #expect(read[0].bytes == Array(0 ..< 8) && read[0].origlen == 20 && read[0].link == .raw)
        #expect(read[0].time == 5_000_000_123)
        #expect(try PcapFile(path: path).format == .pcap(nanosecond: true, swapped: false))
    }
}

@Suite("PacketDecoder")
struct PacketDecoderTests {
    static let flow4 = FlowKey("192.0.2.1:40000 > 192.0.2.2:5001")!
    static let flow6 = FlowKey("[2001:db8::1]:40000 > [2001:db8::2]:5001")!
    let payload: [UInt8] = Array(0 ..< 100)

    func frame(_ builder: SyntheticFrameBuilder = SyntheticFrameBuilder(), flow: FlowKey = flow4,
               payload: [UInt8]? = nil, totalLength: UInt16? = nil) -> [UInt8] {
        (payload ?? self.payload).withUnsafeBytes {
            builder.frame(flow: flow, sequenceNumber: 7, acknowledgementNumber: 9, flags: [.ack, .psh],
                          payload: $0, ipTotalLengthOverride: totalLength)
        }
    }

    func decode(_ bytes: [UInt8], _ linkType: LinkType = .ethernet, originalLength: Int? = nil) -> Result<TCPSegment, SkipReason> {
        bytes.withUnsafeBytes { PacketDecoder.decode($0, linkType: linkType, originalLength: originalLength ?? bytes.count) }
    }

    func payloadOf(_ bytes: [UInt8], _ segment: TCPSegment) -> [UInt8] {
        bytes.withUnsafeBytes { Array(segment.payload(in: $0)) }
    }

    @Test("flow keys print and parse", arguments: [
        "192.0.2.1:40000 > 192.0.2.2:5001", "[2001:db8::1]:40000 > [2001:db8::2]:5001",
    ])
    func flowKeyText(text: String) {
        #expect(FlowKey(text)?.description == text)
        #expect(FlowKey(text)?.reversed.reversed == FlowKey(text))
        #expect(FlowKey("not a flow") == nil)
    }

    @Test("link types, VLAN tags and TCP options", arguments: [
        (LinkType.ethernet, false), (.linuxSLL, false), (.linuxSLL2, false), (.raw, false), (.ethernet, true), (.linuxSLL2, true),
    ])
    func linkTypes(linkType: LinkType, ipv6: Bool) throws {
        let builder = SyntheticFrameBuilder(linkType: linkType, vlanTags: linkType == .ethernet ? [100, 200] : [],
                                            tcpOptions: [2, 4, 0x05, 0xB4, 1, 3, 3, 7])
        let bytes = frame(builder, flow: ipv6 ? Self.flow6 : Self.flow4)
        let segment = try decode(bytes, linkType).get()
        #expect(segment.flow == (ipv6 ? Self.flow6 : Self.flow4))
        #expect(segment.sequenceNumber == 7 && segment.acknowledgementNumber == 9 && segment.flags == [.ack, .psh])
        #expect(payloadOf(bytes, segment) == payload && !segment.payloadTruncated)
    }

    @Test("NULL and LOOP families in either byte order")
    func nullAndLoop() throws {
        let ip = frame(SyntheticFrameBuilder(linkType: .raw))
        let ip6 = frame(SyntheticFrameBuilder(linkType: .raw), flow: Self.flow6)
        for (family, packet) in [([UInt8]([2, 0, 0, 0]), ip), ([0, 0, 0, 2], ip), ([30, 0, 0, 0], ip6), ([0, 0, 0, 10], ip6)] {
            let segment = try decode(family + packet, .null).get()
            #expect(payloadOf(family + packet, segment) == payload)
        }
        #expect(try decode([0, 0, 0, 2] + ip, .loop).get().flow == Self.flow4)
    }

    @Test("Ethernet padding is not payload")
    func padding() throws {
        let bytes = frame(payload: [0xAA, 0xBB]) + [UInt8](repeating: 0, count: 4)
        let segment = try decode(bytes).get()
        #expect(payloadOf(bytes, segment) == [0xAA, 0xBB])
    }

    @Test("IPv4 options are skipped")
    func ipv4Options() throws {
        var bytes = frame()
        bytes.insert(contentsOf: [1, 1, 1, 0], at: 14 + 20)  // NOP NOP NOP EOL
        bytes[14] = 0x46
        let total = (UInt16(bytes[16]) << 8 | UInt16(bytes[17])) + 4
        bytes[16] = UInt8(total >> 8); bytes[17] = UInt8(total & 0xFF)
        let segment = try decode(bytes).get()
        #expect(payloadOf(bytes, segment) == payload)
    }

    @Test("IPv6 extension headers are skipped; a fragment is handed back as one")
    func ipv6Extensions() throws {
        var bytes = frame(flow: Self.flow6)
        bytes.insert(contentsOf: [6, 0, 1, 4, 0, 0, 0, 0], at: 14 + 40)  // hop-by-hop, PadN
        bytes[14 + 6] = 0
        bytes[14 + 5] += 8
        let segment = try decode(bytes).get()
        #expect(payloadOf(bytes, segment) == payload)
        var fragment = frame(flow: Self.flow6)
        fragment.insert(contentsOf: [6, 0, 0, 1, 0, 0, 0, 1], at: 14 + 40)
        fragment[14 + 6] = 44
        fragment[14 + 5] += 8
        guard case let .failure(.fragment(piece)) = decode(fragment) else {
            Issue.record("an IPv6 fragment should decode as a fragment")
            return
        }
        #expect(piece.offset == 0 && piece.moreFragments && piece.key.identification == 1 && piece.key.payloadProtocol == 6)
        #expect(piece.data == 14 + 48 ..< fragment.count)
    }

    @Test("an IPv4 fragment is handed back as one, with its place in the datagram")
    func ipv4Fragment() {
        var bytes = frame()
        bytes[14 + 6] = 0x20; bytes[14 + 7] = 0xB9  // MF, offset 185 * 8
        guard case let .failure(.fragment(piece)) = decode(bytes) else {
            Issue.record("an IPv4 fragment should decode as a fragment")
            return
        }
        #expect(piece.offset == 185 * 8 && piece.moreFragments && piece.data == 14 + 20 ..< bytes.count)
        #expect(piece.key.source == .v4(0xC000_0201) && piece.key.payloadProtocol == 6)
    }

    @Test("a payload cut by snaplen counts the missing bytes from the IP length")
    func snaplenCut() throws {
        let bytes = frame()
        let cut = Array(bytes.prefix(bytes.count - 30))
        let segment = try decode(cut, originalLength: bytes.count).get()
        #expect(segment.capturedPayloadLength == 70 && segment.missingPayloadBytes == 30 && segment.payloadTruncated)
        #expect(segment.payloadLength == 100)
    }

    @Test("IPv4 total length 0 (a GSO frame) takes the length from the frame")
    func gsoTotalLengthZero() throws {
        let big = [UInt8](repeating: 0x5A, count: 70_000)
        let bytes = frame(payload: big, totalLength: 0)
        let segment = try decode(bytes).get()
        #expect(segment.payloadLength == 70_000 && !segment.payloadTruncated)
        let cut = Array(bytes.prefix(1000))
        let cutSegment = try decode(cut, originalLength: bytes.count).get()
        #expect(cutSegment.payloadLength == 70_000 && cutSegment.capturedPayloadLength == 1000 - 54)
    }

    @Test("headers cut by the capture are reported")
    func cutHeaders() {
        let bytes = frame()
        #expect(throws: SkipReason.truncatedHeader(layer: "TCP")) { try decode(Array(bytes.prefix(40))).get() }
        #expect(throws: SkipReason.unsupportedLinkType(LinkType(rawValue: 147))) {
            try decode(bytes, LinkType(rawValue: 147)).get()
        }
    }
}
