import Foundation
import Testing
@testable import ZclabCore

/// Splits a raw IP packet (link type RAW) into fragments whose data start at
/// `cuts` (multiples of 8 within the payload), as a router or the sender's
/// stack would: IPv4 by the header's fragment field, IPv6 with a fragment header.
func fragment(_ packet: [UInt8], at cuts: [Int], identification: UInt32 = 0x1234) -> [[UInt8]] {
    let isIPv6 = packet[0] >> 4 == 6
    let headerLength = isIPv6 ? 40 : Int(packet[0] & 0x0F) * 4
    let payload = Array(packet[headerLength...])
    let bounds = [0] + cuts + [payload.count]
    return zip(bounds, bounds.dropFirst()).map { start, end in
        var header = Array(packet[..<headerLength])
        let data = Array(payload[start ..< end])
        let more: UInt16 = end < payload.count ? 1 : 0
        if isIPv6 {
            let nextHeader = header[6]
            header[6] = 44
            let length = 8 + data.count
            header[4] = UInt8(length >> 8); header[5] = UInt8(length & 0xFF)
            let field = UInt16(start) | more
            let id = identification
            return header + [nextHeader, 0, UInt8(field >> 8), UInt8(field & 0xFF),
                             UInt8(id >> 24), UInt8(id >> 16 & 0xFF), UInt8(id >> 8 & 0xFF), UInt8(id & 0xFF)] + data
        }
        let total = headerLength + data.count
        header[2] = UInt8(total >> 8); header[3] = UInt8(total & 0xFF)
        header[4] = UInt8(identification >> 8 & 0xFF); header[5] = UInt8(identification & 0xFF)
        let field = more << 13 | UInt16(start / 8)
        header[6] = UInt8(field >> 8); header[7] = UInt8(field & 0xFF)
        return header + data
    }
}

@Suite("IP fragments")
struct IPFragmentTests {
    let builder = SyntheticFrameBuilder(linkType: .raw)
    let payload: [UInt8] = (0 ..< 200).map { UInt8(truncatingIfNeeded: $0 * 7) }

    func packet(_ flow: FlowKey) -> [UInt8] {
        payload.withUnsafeBytes { builder.frame(flow: flow, sequenceNumber: 7, acknowledgementNumber: 9, flags: [.ack], payload: $0) }
    }

    func fragmentOf(_ bytes: [UInt8]) throws -> IPFragment {
        let result = bytes.withUnsafeBytes { PacketDecoder.decode($0, linkType: .raw, originalLength: bytes.count) }
        guard case let .failure(.fragment(fragment)) = result else { throw DecodeFailure(result: "\(result)") }
        return fragment
    }

    struct DecodeFailure: Error { let result: String }

    /// Feeds `pieces` in order; returns what the last one completed, if anything.
    func reassemble(_ pieces: [[UInt8]], _ reassembler: IPFragmentReassembler) throws -> [UInt8]? {
        var datagram: [UInt8]?
        for piece in pieces {
            let fragment = try fragmentOf(piece)
            datagram = piece.withUnsafeBytes { reassembler.add(fragment, packet: $0) } ?? datagram
        }
        return datagram
    }

    func decodedPayload(_ datagram: [UInt8]) throws -> [UInt8] {
        try datagram.withUnsafeBytes { bytes in
            let segment = try PacketDecoder.decode(bytes, linkType: .raw, originalLength: bytes.count).get()
            return Array(segment.payload(in: bytes))
        }
    }

    @Test("IPv4 and IPv6 fragments out of order give back the segment", arguments: [false, true])
    func outOfOrder(ipv6: Bool) throws {
        let whole = packet(ipv6 ? SyntheticTransfer.flow6 : SyntheticTransfer.flow4)
        let pieces = fragment(whole, at: [48, 96, 160])
        #expect(pieces.count == 4)
        let reassembler = IPFragmentReassembler()
        let datagram = try #require(try reassemble([pieces[2], pieces[0], pieces[3], pieces[1]], reassembler))
        #expect(try decodedPayload(datagram) == payload)
        #expect(reassembler.reassembledDatagrams == 1 && reassembler.incompleteDatagrams == 0)
        #expect(reassembler.notes == ["4 IP fragment(s) reassembled into 1 datagram(s)"])
    }

    @Test("overlapping fragments that agree are accepted", arguments: [false, true])
    func overlapAgrees(ipv6: Bool) throws {
        let whole = packet(ipv6 ? SyntheticTransfer.flow6 : SyntheticTransfer.flow4)
        let coarse = fragment(whole, at: [96])
        let fine = fragment(whole, at: [48, 144])
        let reassembler = IPFragmentReassembler()
        // 0..<96, then 48..<144 overlapping it with the same bytes, then the rest.
        let datagram = try #require(try reassemble([coarse[0], fine[1], coarse[1]], reassembler))
        #expect(try decodedPayload(datagram) == payload)
        #expect(reassembler.conflictingDatagrams == 0)
    }

    @Test("overlapping fragments that disagree are a finding and the datagram is dropped", arguments: [false, true])
    func overlapDisagrees(ipv6: Bool) throws {
        let whole = packet(ipv6 ? SyntheticTransfer.flow6 : SyntheticTransfer.flow4)
        let coarse = fragment(whole, at: [96])
        var altered = fragment(whole, at: [48, 144])[1]
        altered[altered.count - 1] ^= 0xFF
        let reassembler = IPFragmentReassembler()
        #expect(try reassemble([coarse[0], altered, coarse[1]], reassembler) == nil)
        #expect(reassembler.conflictingDatagrams == 1)
        #expect(reassembler.notes.contains { $0.contains("overlapping fragments that disagree") })
    }

    @Test("memory is bounded: the oldest incomplete datagram is given up")
    func bounded() throws {
        let whole = packet(SyntheticTransfer.flow4)
        let reassembler = IPFragmentReassembler(pendingLimit: 2)
        for id in UInt32(1) ... 3 { _ = try reassemble([fragment(whole, at: [96], identification: id)[0]], reassembler) }
        #expect(reassembler.abandonedDatagrams == 1 && reassembler.incompleteDatagrams == 3)
        // The given-up datagram's last piece alone completes nothing.
        #expect(try reassemble([fragment(whole, at: [96], identification: 1)[1]], reassembler) == nil)
    }

    @Test("a transfer sent in fragments verifies as pass; a missing fragment is unverifiable, not fail", arguments: [false, true])
    func wireVerdict(ipv6: Bool) throws {
        for dropOne in [false, true] {
            let transfer = SyntheticTransfer(flow: ipv6 ? SyntheticTransfer.flow6 : SyntheticTransfer.flow4, count: 20_000, linkType: .raw)
            transfer.handshake()
            for (index, range) in transfer.segments(mss: 1000).enumerated() {
                let sequence = transfer.initialSequence &+ 1 &+ UInt32(range.lowerBound)
                let whole = transfer.bytes(range).withUnsafeBytes {
                    transfer.builder.frame(flow: transfer.flow, sequenceNumber: sequence, acknowledgementNumber: 8, flags: .ack, payload: $0)
                }
                var pieces = fragment(whole, at: [256, 512, 768], identification: UInt32(index))
                pieces.reverse()
                if dropOne && index == 5 { pieces.removeLast() }
                for piece in pieces { try transfer.writer.append(piece, timestampNanoseconds: 1) }
            }
            transfer.fin(at: transfer.content.count)
            let verdict = try transfer.verify()
            if dropOne {
                #expect(verdict.status == .unverifiable, "\(verdict.notes)")
                #expect(verdict.notes.contains("1 fragmented IP datagram(s) incomplete in the capture"))
            } else {
                #expect(verdict.status == .pass, "\(verdict.firstMismatch.map { "\($0)" } ?? "") \(verdict.notes)")
                #expect(verdict.bytes == 20_000)
                #expect(verdict.notes.contains("80 IP fragment(s) reassembled into 20 datagram(s)"))
            }
        }
    }
}
