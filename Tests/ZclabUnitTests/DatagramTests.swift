import Testing
@testable import ZclabCore

/// `transport: udp`: datagrams decoded from captures, their checksums, each
/// placed in the expected stream by its own bytes, and the scenario keys.
@Suite("UDP datagrams")
struct DatagramTests {
    let content = PatternContent(count: 64 << 10, seed: 5)

    /// A raw IPv4 packet of one UDP datagram 192.0.2.1:40000 > 192.0.2.2:5001
    /// carrying `payload`, its UDP checksum computed (or `checksum` as given).
    func packet(_ payload: [UInt8], checksum: UInt16? = nil) -> [UInt8] {
        var bytes: [UInt8] = [0x45, 0]
        bytes.appendBigEndian(UInt16(28 + payload.count))
        bytes += [0, 0, 0x40, 0, 64, 17, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2]
        bytes.appendBigEndian(UInt16(40000))
        bytes.appendBigEndian(UInt16(5001))
        bytes.appendBigEndian(UInt16(8 + payload.count))
        bytes.appendBigEndian(UInt16(0))
        bytes += payload
        let flow = FlowKey(source: .v4(0xC000_0201), sourcePort: 40000, destination: .v4(0xC000_0202), destinationPort: 5001)
        let sum = bytes.withUnsafeBytes { TransportChecksum.sum(UnsafeRawBufferPointer(rebasing: $0[20...])) }
        let value = checksum ?? ~TransportChecksum.fold(TransportChecksum.pseudoHeaderSum(flow, length: 8 + payload.count, protocol: 17) + sum)
        bytes[26] = UInt8(value >> 8)
        bytes[27] = UInt8(value & 0xFF)
        return bytes
    }

    /// Pattern bytes of `range` of `content`.
    func bytes(_ range: Range<Int>) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: range.count)
        buffer.withUnsafeMutableBytes { content.fill($0, at: UInt64(range.lowerBound)) }
        return buffer
    }

    @Test func udpDecodesAndTCPSaysOtherTransport() {
        let raw = packet([1, 2, 3, 4, 5])
        raw.withUnsafeBytes { raw in
            guard case .success(let datagram) = PacketDecoder.decode(raw, linkType: .raw, originalLength: raw.count, as: UDPDatagram.self) else {
                Issue.record("no datagram")
                return
            }
            #expect(datagram.flow.description == "192.0.2.1:40000 > 192.0.2.2:5001")
            #expect(Array(datagram.payload(in: raw)) == [1, 2, 3, 4, 5])
            #expect(TransportChecksum.state(of: datagram, in: raw) == .valid)
            #expect(PacketDecoder.decode(raw, linkType: .raw, originalLength: raw.count) == .failure(.otherTransport(ipProtocol: 17)))
        }
    }

    @Test func udpChecksumsAreValidInvalidOrNone() {
        for (checksum, state) in [(UInt16(0x1234), TransportChecksum.State.invalid), (0, .unchecked)] {
            packet([9, 8, 7], checksum: checksum).withUnsafeBytes { raw in
                guard case .success(let datagram) = PacketDecoder.decode(raw, linkType: .raw, originalLength: raw.count, as: UDPDatagram.self) else { return }
                #expect(TransportChecksum.state(of: datagram, in: raw) == state)
            }
        }
    }

    @Test func aLostDatagramIsAGapNotAShiftedStream() {
        let verifier = StreamVerifier(expected: content)
        let stream = DatagramStream(sink: verifier, content: content, pieces: nil)
        for range in [0 ..< 8192, 16384 ..< 24576, 24576 ..< 65536] {
            bytes(range).withUnsafeBytes { stream.receive($0) }
        }
        let result = verifier.finish()
        #expect(result.mismatchedBytes == 0)
        #expect(result.missingBytes == 8192)
        #expect(result.firstMismatch?.kind == .missing && result.firstMismatch?.offset == 8192)
        #expect(stream.tally == { var tally = DatagramTally(); tally.datagrams = 3; tally.smallest = 8192; tally.largest = 40960; tally.lostBytes = 8192; return tally }())
        #expect(stream.lost == [ByteRange(lower: 8192, upper: 16384)])
    }

    @Test func datagramsArePlacedInTheirPieceAndShortOnesAtTheEnd() {
        // Two calls: 8190 bytes from 4097, then 16 from 12287 (unaligned: one whole word).
        let pieces = [ByteRange(lower: 4097, upper: 12287), ByteRange(lower: 12287, upper: 12303)]
        let expected = ConcatenatedContent(base: content, pieces: pieces)
        let verifier = StreamVerifier(expected: expected)
        let stream = DatagramStream(sink: verifier, content: expected, pieces: pieces)
        bytes(12287 ..< 12303).withUnsafeBytes { stream.receive($0) }  // the first was lost
        let result = verifier.finish()
        #expect(result.missingBytes == 8190 && result.mismatchedBytes == 0)
        #expect(stream.tally.misplaced == 0)

        // Bytes that name an offset already passed are compared where they come.
        let again = StreamVerifier(expected: content)
        let replayed = DatagramStream(sink: again, content: content, pieces: nil)
        for range in [0 ..< 4096, 0 ..< 4096] { bytes(range).withUnsafeBytes { replayed.receive($0) } }
        #expect(again.finish().firstMismatch?.kind == .shifted)
        #expect(replayed.tally.misplaced == 1)
    }

    @Test func oneWholeWordNamesItsOffset() {
        let pattern = TestPattern(seed: 5)
        for offset in [12287, 8, 1, 4095] {
            bytes(offset ..< offset + 16).withUnsafeBytes { #expect(pattern.origin(of: $0, below: 64 << 10) == UInt64(offset)) }
        }
        bytes(3 ..< 10).withUnsafeBytes { #expect(pattern.origin(of: $0, below: 64 << 10) == nil) }
    }

    @Test func transportKeyErrorsAreLocated() {
        let file = "name: u\nfile: {size: 1MiB}\n"
        let expect = "expect: {wire.matches: true}\n"
        expectParseError(
            file + "sender: {method: msg-zerocopy, transport: udp}\n" + expect, line: 3,
            message: "transport udp is for method read-write, mmap-write, sendfile, splice, not msg-zerocopy")
        expectParseError(
            file + "sender: {method: sendfile, transport: udp, header: 200}\n" + expect, line: 3,
            message: "a header goes in front of a TCP stream: with transport udp each call is a datagram of its own")
        expectParseError(
            file + "sender: {method: sendfile, transport: udp}\nreceiver: {pause_after: 64KiB}\n"
                + "actions: [{when: receiver.paused, do: resume-receiver}]\n" + expect, line: 4,
            message: "a UDP receiver cannot pause: what it does not read, the kernel drops")
        expectParseError(
            file + "sender: {method: sendfile, transport: udp}\nloss: {drop_from: 3}\n"
                + "actions: [{when: sender.done, do: restore-link}]\n" + expect, line: 4,
            message: "loss drops TCP data segments by sequence number: not with transport udp")
        expectParseError(
            file + "sender: {method: sendfile, transport: udp}\nactions: [{when: sender.blocked, do: truncate, to: 0}]\n" + expect,
            line: 4, message: "the action at line 4 waits for a stalled transfer: a UDP sender never waits for its receiver")
        expectParseError(
            file + "sender: {method: sendfile, transport: quic}\n" + expect, line: 3,
            message: "transport 'quic' is not one of: tcp, udp")
    }

    @Test func theCaptureFilterNamesTheTransport() {
        #expect(CaptureConfig.filter(.udp, port: 5001, between: "192.0.2.1", and: "192.0.2.2").contains("(udp port 5001 or"))
        #expect(CaptureConfig.filter(port: 5001, between: "192.0.2.1", and: "192.0.2.2").contains("(tcp port 5001 or"))
    }
}
