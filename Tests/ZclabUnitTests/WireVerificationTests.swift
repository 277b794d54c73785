import Foundation
import Testing
@testable import ZclabCore

/// A synthetic capture of one TCP transfer: the sender's segments (and the
/// receiver's ACKs) as a pcap file.
final class SyntheticTransfer {
    static let flow4 = FlowKey("192.0.2.1:40000 > 192.0.2.2:5001")!
    static let flow6 = FlowKey("[2001:db8::1]:40000 > [2001:db8::2]:5001")!

    let flow: FlowKey
    let content: PatternContent
    let initialSequence: UInt32
    let builder: SyntheticFrameBuilder
    let writer: PcapWriter
    private var time: UInt64 = 1_700_000_000_000_000_000

    init(flow: FlowKey = flow4, count: UInt64 = 200_000, seed: UInt64 = 11, initialSequence: UInt32 = 100_000,
         linkType: LinkType = .ethernet, snapLength: Int = 262_144) {
        self.flow = flow
        self.content = PatternContent(count: count, seed: seed)
        self.initialSequence = initialSequence
        self.builder = SyntheticFrameBuilder(linkType: linkType)
        self.writer = PcapWriter(linkType: linkType, snapLength: snapLength)
    }

    /// The MSS-sized ranges of the whole content.
    func segments(mss: UInt64 = 1448) -> [Range<UInt64>] {
        stride(from: 0, to: content.count, by: Int(mss)).map { $0 ..< min($0 + mss, content.count) }
    }

    func bytes(_ range: Range<UInt64>) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: range.count)
        bytes.withUnsafeMutableBytes { content.fill($0, at: range.lowerBound) }
        return bytes
    }

    func handshake() {
        packet(flow, sequenceNumber: initialSequence, flags: .syn, payload: [])
        packet(flow.reversed, sequenceNumber: 7, acknowledgementNumber: initialSequence &+ 1, flags: [.syn, .ack], payload: [])
        packet(flow, sequenceNumber: initialSequence &+ 1, acknowledgementNumber: 8, flags: .ack, payload: [])
    }

    /// Sends `payload` at stream offset `offset`, and an ACK back for it.
    func send(_ payload: [UInt8], at offset: UInt64, totalLengthOverride: UInt16? = nil) {
        let sequence = initialSequence &+ 1 &+ UInt32(truncatingIfNeeded: offset)
        packet(flow, sequenceNumber: sequence, acknowledgementNumber: 8, flags: [.ack, .psh], payload: payload,
               totalLengthOverride: totalLengthOverride)
        packet(flow.reversed, sequenceNumber: 8, acknowledgementNumber: sequence &+ UInt32(payload.count), flags: .ack, payload: [])
    }

    func send(_ range: Range<UInt64>) { send(bytes(range), at: range.lowerBound) }

    func fin(at offset: UInt64) {
        packet(flow, sequenceNumber: initialSequence &+ 1 &+ UInt32(truncatingIfNeeded: offset), acknowledgementNumber: 8,
               flags: [.fin, .ack], payload: [])
    }

    /// Handshake, every segment in order, FIN.
    func sendAll(mss: UInt64 = 1448) {
        handshake()
        for range in segments(mss: mss) { send(range) }
        fin(at: content.count)
    }

    func packet(_ flow: FlowKey, sequenceNumber: UInt32, acknowledgementNumber: UInt32 = 0, flags: TCPFlags,
                payload: [UInt8], totalLengthOverride: UInt16? = nil) {
        let frame = payload.withUnsafeBytes {
            builder.frame(flow: flow, sequenceNumber: sequenceNumber, acknowledgementNumber: acknowledgementNumber,
                          flags: flags, payload: $0, ipTotalLengthOverride: totalLengthOverride)
        }
        try! writer.append(frame, timestampNanoseconds: time)
        time += 1000
    }

    /// Writes the capture and verifies it.
    func verify(
        _ selector: FlowSelector = .busiest, startOffset: UInt64 = 0, expected: (any ExpectedContent)? = nil, sampled: Bool = false,
        checkpoint: () throws -> Void = {}
    ) throws -> WireVerdict {
        let path = try writeTemporaryCapture(writer.bytes, name: "transfer")
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try WireVerifier.verify(
            capture: path, flow: selector, expected: expected ?? content, startOffset: startOffset, sampled: sampled,
            checkpoint: checkpoint)
    }
}

/// Expected content given as literal bytes (pattern-free).
struct LiteralContent: ExpectedContent {
    let bytes: [UInt8]
    var count: UInt64 { UInt64(bytes.count) }
    func fill(_ buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) {
        buffer.copyBytes(from: bytes[Int(offset) ..< Int(offset) + buffer.count])
    }
    func origin(of found: UnsafeRawBufferPointer) -> UInt64? { nil }
}

@Suite("WireVerifier")
struct WireVerificationTests {
    /// SHA-256 of the whole content of a `SyntheticTransfer` with default size and seed.
    static let cleanVerdict: WireVerdict = {
        let transfer = SyntheticTransfer()
        transfer.sendAll()
        return try! transfer.verify()
    }()

    func expectPass(_ verdict: WireVerdict, bytes: UInt64 = 200_000) {
        #expect(verdict.status == .pass)
        #expect(verdict.bytes == bytes && verdict.expectedBytes == bytes)
        #expect(verdict.sha256 == verdict.expectedSHA256)
        #expect(verdict.firstMismatch == nil && verdict.gaps.isEmpty && verdict.conflicts.isEmpty)
        #expect(verdict.mismatchedBytes == 0)
    }

    @Test("a clean IPv4 transfer passes")
    func cleanIPv4() {
        let verdict = Self.cleanVerdict
        expectPass(verdict)
        #expect(verdict.flow == "192.0.2.1:40000 > 192.0.2.2:5001")
        #expect(verdict.segments == 139 && verdict.packets == 142)
        #expect(verdict.synSeen && verdict.finSeen && !verdict.rstSeen)
        #expect(verdict.notes.isEmpty)
    }

    @Test("a clean IPv6 transfer passes, on every link type", arguments: [LinkType.ethernet, .linuxSLL, .linuxSLL2, .raw])
    func cleanIPv6(linkType: LinkType) throws {
        let transfer = SyntheticTransfer(flow: SyntheticTransfer.flow6, linkType: linkType)
        transfer.sendAll()
        let verdict = try transfer.verify()
        expectPass(verdict)
        #expect(verdict.flow == "[2001:db8::1]:40000 > [2001:db8::2]:5001")
        #expect(verdict.sha256 == Self.cleanVerdict.sha256)
    }

    @Test("the stream can start inside the content")
    func startOffset() throws {
        let transfer = SyntheticTransfer()
        transfer.handshake()
        let stream = transfer.bytes(50_000 ..< 200_000)
        for start in stride(from: 0, to: stream.count, by: 1448) {
            transfer.send(Array(stream[start ..< min(start + 1448, stream.count)]), at: UInt64(start))
        }
        let verdict = try transfer.verify(startOffset: 50_000)
        expectPass(verdict, bytes: 150_000)
        #expect(verdict.startOffset == 50_000)
        let misplaced = try transfer.verify(startOffset: 0)
        #expect(misplaced.status == .fail)
        #expect(misplaced.firstMismatch?.kind == .shifted && misplaced.firstMismatch?.sourceOffset == 50_000)
    }

    @Test("retransmissions pass and are counted")
    func retransmission() throws {
        let transfer = SyntheticTransfer()
        transfer.handshake()
        for (index, range) in transfer.segments().enumerated() {
            transfer.send(range)
            if index % 10 == 3 { transfer.send(range) }
        }
        transfer.send(0 ..< 5000)
        transfer.fin(at: 200_000)
        let verdict = try transfer.verify()
        expectPass(verdict)
        #expect(verdict.retransmittedBytes == 14 * 1448 + 5000)
    }

    @Test("reordered segments pass")
    func reordering() throws {
        let transfer = SyntheticTransfer()
        transfer.handshake()
        var segments = transfer.segments()
        for index in stride(from: 0, to: segments.count - 3, by: 7) { segments.swapAt(index, index + 3) }
        for range in segments { transfer.send(range) }
        transfer.fin(at: 200_000)
        let verdict = try transfer.verify()
        expectPass(verdict)
        #expect(verdict.outOfOrderSegments > 0)
    }

    @Test("a retransmission with different bytes fails as a conflict at its exact offset")
    func conflictingOverlap() throws {
        let transfer = SyntheticTransfer()
        transfer.sendAll()
        var changed = transfer.bytes(70_000 ..< 72_000)
        changed[1234] ^= 0x80
        transfer.send(changed, at: 70_000)
        let verdict = try transfer.verify()
        #expect(verdict.status == .fail)
        #expect(verdict.conflicts == [ByteRange(lower: 71_234, upper: 71_235)])
        #expect(verdict.firstMismatch?.kind == .conflict && verdict.firstMismatch?.offset == 71_234)
        #expect(verdict.sha256 == Self.cleanVerdict.sha256)
    }

    @Test("an ISN near 2^32 passes", arguments: [UInt32.max - 5000, UInt32.max])
    func sequenceWrap(initialSequence: UInt32) throws {
        let transfer = SyntheticTransfer(initialSequence: initialSequence)
        transfer.sendAll()
        expectPass(try transfer.verify())
    }

    @Test("GSO frames with IPv4 total length 0 pass")
    func gsoFrames() throws {
        let transfer = SyntheticTransfer()
        transfer.handshake()
        transfer.send(transfer.bytes(0 ..< 70_000), at: 0, totalLengthOverride: 0)
        transfer.send(transfer.bytes(70_000 ..< 135_000), at: 70_000)
        transfer.send(transfer.bytes(135_000 ..< 200_000), at: 135_000, totalLengthOverride: 0)
        transfer.fin(at: 200_000)
        expectPass(try transfer.verify())
    }

    @Test("a capture cut by snaplen is unverifiable, never a pass")
    func snaplenCut() throws {
        let transfer = SyntheticTransfer(snapLength: 1000)
        transfer.sendAll()
        let verdict = try transfer.verify()
        #expect(verdict.status == .unverifiable)
        #expect(verdict.truncatedSegments == 138)  // all but the last, short one
        #expect(verdict.truncatedBytes == 200_000 - verdict.bytes)
        #expect(verdict.firstMismatch == nil && verdict.gaps.isEmpty)
        #expect(verdict.notes.first?.contains("snaplen") == true)
    }

    @Test("a zeroed range fails as zeros at its offset")
    func zeroedRange() throws {
        let transfer = SyntheticTransfer()
        transfer.handshake()
        let zeroed: Range<UInt64> = 50_001 ..< 54_097
        for range in transfer.segments() {
            var payload = transfer.bytes(range)
            for offset in range where zeroed.contains(offset) { payload[Int(offset - range.lowerBound)] = 0 }
            transfer.send(payload, at: range.lowerBound)
        }
        transfer.fin(at: 200_000)
        let verdict = try transfer.verify()
        let pattern = transfer.content.pattern
        let firstNonZero = zeroed.first { pattern.byte(at: $0) != 0 }!
        let lastNonZero = zeroed.last { pattern.byte(at: $0) != 0 }!
        #expect(verdict.status == .fail)
        let mismatch = try #require(verdict.firstMismatch)
        #expect(mismatch.kind == .zeros && mismatch.offset == firstNonZero)
        #expect(mismatch.length == lastNonZero + 1 - firstNonZero)
        #expect(mismatch.foundHex == String(repeating: "00", count: 16))
        #expect(mismatch.expectedHex == hex(transfer.bytes(firstNonZero ..< firstNonZero + 16)))
        #expect(verdict.mismatchedBytes == UInt64(zeroed.filter { pattern.byte(at: $0) != 0 }.count))
        #expect(verdict.expectedSHA256 == Self.cleanVerdict.expectedSHA256)
        #expect(verdict.sha256 != verdict.expectedSHA256)
    }

    @Test("a chunk the sender repeated at advancing sequence numbers fails as shifted, naming its source")
    func duplicatedSegment() throws {
        let transfer = SyntheticTransfer()
        transfer.handshake()
        // The stream carries content[0..<80_000], then content[78_552..<80_000]
        // again, then the rest: every byte from 80_000 on is 1448 bytes late.
        var stream = transfer.bytes(0 ..< 80_000) + transfer.bytes(78_552 ..< 80_000) + transfer.bytes(80_000 ..< 200_000)
        stream.removeLast(1448)
        for start in stride(from: 0, to: stream.count, by: 1448) {
            transfer.send(Array(stream[start ..< min(start + 1448, stream.count)]), at: UInt64(start))
        }
        transfer.fin(at: 200_000)
        let verdict = try transfer.verify()
        #expect(verdict.status == .fail)
        let mismatch = try #require(verdict.firstMismatch)
        #expect(mismatch.kind == .shifted && mismatch.offset == 80_000 && mismatch.sourceOffset == 78_552)
        #expect(mismatch.foundHex == hex(transfer.bytes(78_552 ..< 78_568)))
        #expect(verdict.mismatchedBytes > 100_000)
    }

    @Test("a missing segment fails with a gap at its offset; the bytes after it are still checked")
    func missingSegment() throws {
        let transfer = SyntheticTransfer()
        transfer.handshake()
        let lost = transfer.segments()[40]
        for range in transfer.segments() where range != lost { transfer.send(range) }
        transfer.fin(at: 200_000)
        let verdict = try transfer.verify()
        #expect(verdict.status == .fail)
        #expect(verdict.gaps == [ByteRange(lower: lost.lowerBound, upper: lost.upperBound)])
        #expect(verdict.firstMismatch?.kind == .missing && verdict.firstMismatch?.offset == lost.lowerBound)
        #expect(verdict.firstMismatch?.length == 1448)
        #expect(verdict.missingBytes == 1448 && verdict.bytes == 200_000 - 1448 && verdict.mismatchedBytes == 0)
        #expect(verdict.expectedSHA256 == Self.cleanVerdict.expectedSHA256)

        let damaged = SyntheticTransfer()
        damaged.handshake()
        for range in damaged.segments() where range != lost {
            var payload = damaged.bytes(range)
            if range == damaged.segments()[70] { payload[0] ^= 1 }
            damaged.send(payload, at: range.lowerBound)
        }
        let damagedVerdict = try damaged.verify()
        #expect(damagedVerdict.firstMismatch?.kind == .missing)
        #expect(damagedVerdict.mismatchedBytes == 1)
    }

    @Test("bytes past the expected end fail as extra")
    func extraBytes() throws {
        let transfer = SyntheticTransfer()
        transfer.sendAll()
        transfer.send(Array(repeating: 0x55, count: 100), at: 200_000)
        let verdict = try transfer.verify()
        #expect(verdict.status == .fail)
        #expect(verdict.firstMismatch?.kind == .extra && verdict.firstMismatch?.offset == 200_000)
        #expect(verdict.firstMismatch?.length == 100 && verdict.extraBytes == 100)
        #expect(verdict.bytes == 200_100 && verdict.expectedSHA256 == Self.cleanVerdict.expectedSHA256)
    }

    @Test("a stream that ends early fails as short where it ended")
    func shortStream() throws {
        let transfer = SyntheticTransfer()
        transfer.handshake()
        for range in transfer.segments() where range.upperBound <= 150_000 { transfer.send(range) }
        let verdict = try transfer.verify()
        let end = transfer.segments().last { $0.upperBound <= 150_000 }!.upperBound
        #expect(verdict.status == .fail)
        #expect(verdict.firstMismatch?.kind == .short && verdict.firstMismatch?.offset == end)
        #expect(verdict.firstMismatch?.length == 200_000 - end)
        #expect(verdict.expectedSHA256 == Self.cleanVerdict.expectedSHA256)
    }

    @Test("flow selection: busiest, by port, exact, and a flow that is not there")
    func flowSelection() throws {
        let transfer = SyntheticTransfer()
        transfer.sendAll()
        let other = FlowKey("192.0.2.9:41000 > 192.0.2.2:22")!
        transfer.packet(other, sequenceNumber: 1, flags: .syn, payload: [])
        transfer.packet(other, sequenceNumber: 2, flags: .ack, payload: Array(repeating: 1, count: 500))
        expectPass(try transfer.verify(.port(5001)))
        expectPass(try transfer.verify(.exact(SyntheticTransfer.flow4)))
        let bySSH = try transfer.verify(.port(22))
        #expect(bySSH.flow == other.description && bySSH.status == .fail)
        let absent = try transfer.verify(.port(80))
        #expect(absent.status == .unverifiable && absent.notes.first == "no TCP payload in the capture")
        let reverse = try transfer.verify(.exact(SyntheticTransfer.flow4.reversed))
        #expect(reverse.status == .fail && reverse.firstMismatch?.kind == .short)
    }

    @Test("the verdict encodes with snake_case keys")
    func json() throws {
        let transfer = SyntheticTransfer()
        transfer.handshake()
        for range in transfer.segments() where range.lowerBound != 1448 { transfer.send(range) }
        let verdict = try transfer.verify()
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let text = String(decoding: try encoder.encode(verdict), as: UTF8.self)
        for key in ["\"first_mismatch\"", "\"expected_bytes\"", "\"expected_sha256\"", "\"expected_hex\"", "\"found_hex\"",
                    "\"mismatched_bytes\"", "\"retransmitted_bytes\"", "\"out_of_order_segments\"", "\"truncated_segments\"",
                    "\"gaps\":[{\"lower\":1448,\"upper\":2896}]", "\"kind\":\"missing\""] {
            #expect(text.contains(key), "\(key) in \(text)")
        }
        #expect(try JSONDecoder().decode(WireVerdict.self, from: encoder.encode(verdict)) == verdict)
    }

    @Test("a capture of an unsupported link type is refused, naming the type")
    func unsupportedLinkType() throws {
        let writer = PcapWriter(linkType: LinkType(rawValue: 147))
        let path = try writeTemporaryCapture(writer.bytes, name: "dlt147")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: CaptureFileError.self) {
            try WireVerifier.verify(capture: path, flow: .busiest, expected: LiteralContent(bytes: []))
        }
        #expect(error?.description == "\(path): unsupported link type 147")
    }
}
