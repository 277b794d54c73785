#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 or IPv6 address.
public enum IPAddress: Hashable, Sendable, CustomStringConvertible {
    /// Host-order value: 192.0.2.1 is 0xC000_0201.
    case v4(UInt32)
    /// The 16 bytes in network order, as two big-endian halves.
    case v6(high: UInt64, low: UInt64)

    /// Parses dotted IPv4 or textual IPv6 (no brackets).
    public init?(_ text: String) {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            self = .v4(UInt32(bigEndian: v4.s_addr))
            return
        }
        var bytes = [UInt8](repeating: 0, count: 16)
        guard inet_pton(AF_INET6, text, &bytes) == 1 else { return nil }
        self = bytes.withUnsafeBytes { IPAddress(v6Bytes: $0) }
    }

    /// Reads 16 address bytes in network order.
    init(v6Bytes bytes: UnsafeRawBufferPointer) {
        self = .v6(high: UInt64(bigEndian: bytes.loadUnaligned(as: UInt64.self)),
                   low: UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
    }

    public var isIPv6: Bool {
        if case .v6 = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case let .v4(value):
            return "\(value >> 24).\(value >> 16 & 0xFF).\(value >> 8 & 0xFF).\(value & 0xFF)"
        case let .v6(high, low):
            var network = (high.bigEndian, low.bigEndian)
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            _ = inet_ntop(AF_INET6, &network, &text, socklen_t(text.count))
            return text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        }
    }
}

/// One direction of a TCP connection: who sends to whom.
public struct FlowKey: Hashable, Sendable, CustomStringConvertible {
    public var source: IPAddress
    public var sourcePort: UInt16
    public var destination: IPAddress
    public var destinationPort: UInt16

    public init(source: IPAddress, sourcePort: UInt16, destination: IPAddress, destinationPort: UInt16) {
        self.source = source
        self.sourcePort = sourcePort
        self.destination = destination
        self.destinationPort = destinationPort
    }

    /// Parses the form `description` prints: `192.0.2.1:40000 > 192.0.2.2:5001`
    /// or `[2001:db8::1]:40000 > [2001:db8::2]:5001`.
    public init?(_ text: String) {
        let sides = text.split(separator: ">").map { $0.trimmingSpaces() }
        guard sides.count == 2,
              let (source, sourcePort) = FlowKey.endpoint(sides[0]),
              let (destination, destinationPort) = FlowKey.endpoint(sides[1]) else { return nil }
        self.init(source: source, sourcePort: sourcePort, destination: destination, destinationPort: destinationPort)
    }

    /// The other direction of the same connection.
    public var reversed: FlowKey {
        FlowKey(source: destination, sourcePort: destinationPort, destination: source, destinationPort: sourcePort)
    }

    public var description: String {
        "\(FlowKey.endpointText(source, sourcePort)) > \(FlowKey.endpointText(destination, destinationPort))"
    }

    private static func endpointText(_ address: IPAddress, _ port: UInt16) -> String {
        address.isIPv6 ? "[\(address)]:\(port)" : "\(address):\(port)"
    }

    private static func endpoint(_ text: Substring) -> (IPAddress, UInt16)? {
        guard let colon = text.lastIndex(of: ":"),
              let port = UInt16(text[text.index(after: colon)...]) else { return nil }
        var host = text[..<colon]
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard let address = IPAddress(String(host)) else { return nil }
        return (address, port)
    }
}

private extension Substring {
    func trimmingSpaces() -> Substring {
        var text = self
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return text
    }
}

/// TCP header flags.
public struct TCPFlags: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let fin = TCPFlags(rawValue: 0x01)
    public static let syn = TCPFlags(rawValue: 0x02)
    public static let rst = TCPFlags(rawValue: 0x04)
    public static let psh = TCPFlags(rawValue: 0x08)
    public static let ack = TCPFlags(rawValue: 0x10)
    public static let urg = TCPFlags(rawValue: 0x20)
    public static let ece = TCPFlags(rawValue: 0x40)
    public static let cwr = TCPFlags(rawValue: 0x80)

    public var description: String {
        let names: [(TCPFlags, String)] = [
            (.fin, "F"), (.syn, "S"), (.rst, "R"), (.psh, "P"),
            (.ack, "."), (.urg, "U"), (.ece, "E"), (.cwr, "W"),
        ]
        return names.filter { contains($0.0) }.map(\.1).joined()
    }
}

/// A decoded TCP segment. Payload positions are offsets into the packet's
/// captured bytes.
public struct TCPSegment: TransportPacket, Hashable {
    static let ipProtocol: UInt8 = 6
    static let name = "TCP"
    static let checksumField = 16
    public var flow: FlowKey
    public var sequenceNumber: UInt32
    public var acknowledgementNumber: UInt32
    public var flags: TCPFlags
    public var window: UInt16
    /// Where the TCP header starts in the captured bytes.
    public var tcpOffset: Int
    /// Where the payload starts in the captured bytes.
    public var payloadOffset: Int
    /// Payload bytes present in the capture.
    public var capturedPayloadLength: Int
    /// Payload bytes the IP header announces but the capture cut off
    /// (snaplen); 0 for a complete segment.
    public var missingPayloadBytes: Int

    /// The payload length on the wire, per the IP header.
    public var headerOffset: Int { tcpOffset }
}

/// Why a packet yielded no TCP segment (or UDP datagram).
public enum SkipReason: Error, Hashable, Sendable, CustomStringConvertible {
    case unsupportedLinkType(LinkType)
    /// A link-layer protocol other than IPv4/IPv6 (an EtherType, or the
    /// address family of NULL/LOOP).
    case notIP(UInt32)
    /// Another transport than the one asked for (TCP or UDP).
    case otherTransport(ipProtocol: UInt8)
    /// An IPv4 or IPv6 fragment: its segment is decoded once
    /// `IPFragmentReassembler` has every piece.
    case fragment(IPFragment)
    /// A header was cut off by the capture length or is inconsistent.
    case truncatedHeader(layer: String)
    case malformed(String)

    public var description: String {
        switch self {
        case let .unsupportedLinkType(type): "unsupported link type \(type)"
        case let .notIP(proto): "not IP (protocol 0x\(String(proto, radix: 16)))"
        case let .otherTransport(proto): "IP protocol \(proto), not the transport asked for"
        case let .fragment(fragment): "IP fragment at offset \(fragment.offset) of a datagram from \(fragment.key.source)"
        case let .truncatedHeader(layer): "\(layer) header cut off by the capture"
        case let .malformed(what): "malformed: \(what)"
        }
    }
}

/// Decodes link layer, IP and TCP (or UDP) headers of captured packets.
///
/// Link types: EN10MB (with 802.1Q/802.1ad tags), LINUX_SLL, LINUX_SLL2,
/// RAW (101, 12, 14), NULL and LOOP. Checksums are not verified (captures of
/// offloaded traffic carry partial ones).
public enum PacketDecoder {
    /// Whether `decode` understands packets of `linkType`.
    public static func supports(_ linkType: LinkType) -> Bool {
        switch linkType {
        case .ethernet, .linuxSLL, .linuxSLL2, .raw, .rawIPBSD, .rawIPOpenBSD, .null, .loop: true
        default: false
        }
    }

    /// The TCP segment in `bytes`, or why there is none. `originalLength`
    /// is the packet's length on the wire; payload length comes from the IP
    /// header (so Ethernet padding never counts), or from `originalLength`
    /// when a GSO frame carries IPv4 total length / IPv6 payload length 0.
    public static func decode(
        _ bytes: UnsafeRawBufferPointer, linkType: LinkType, originalLength: Int
    ) -> Result<TCPSegment, SkipReason> {
        decode(bytes, linkType: linkType, originalLength: originalLength, as: TCPSegment.self)
    }

    /// The `Packet` (a TCP segment or a UDP datagram) in `bytes`, or why there is none.
    static func decode<Packet: TransportPacket>(
        _ bytes: UnsafeRawBufferPointer, linkType: LinkType, originalLength: Int, as _: Packet.Type
    ) -> Result<Packet, SkipReason> {
        let packet = PacketBytes(bytes: bytes, originalLength: max(originalLength, bytes.count))
        switch linkType {
        case .ethernet:
            guard packet.has(14) else { return .failure(.truncatedHeader(layer: "Ethernet")) }
            var offset = 12
            var etherType = packet.u16(offset)
            // 802.1Q, 802.1ad and the old QinQ tag: 4 bytes each.
            while etherType == 0x8100 || etherType == 0x88A8 || etherType == 0x9100 {
                offset += 4
                guard packet.has(offset + 2) else { return .failure(.truncatedHeader(layer: "VLAN")) }
                etherType = packet.u16(offset)
            }
            return decodeNetwork(packet, etherType: UInt32(etherType), at: offset + 2)
        case .linuxSLL:
            guard packet.has(16) else { return .failure(.truncatedHeader(layer: "LINUX_SLL")) }
            return decodeNetwork(packet, etherType: UInt32(packet.u16(14)), at: 16)
        case .linuxSLL2:
            guard packet.has(20) else { return .failure(.truncatedHeader(layer: "LINUX_SLL2")) }
            return decodeNetwork(packet, etherType: UInt32(packet.u16(0)), at: 20)
        case .raw, .rawIPBSD, .rawIPOpenBSD:
            guard packet.has(1) else { return .failure(.truncatedHeader(layer: "IP")) }
            return decodeByVersion(packet, at: 0)
        case .null, .loop:
            guard packet.has(4) else { return .failure(.truncatedHeader(layer: "NULL")) }
            // NULL stores the family in the capturing host's byte order,
            // LOOP in network order: accept either.
            var family = bytes.loadUnaligned(as: UInt32.self)
            if family > 0xFFFF { family = family.byteSwapped }
            switch family {
            case 2: return decodeIPv4(packet, at: 4)
            case 10, 24, 28, 30: return decodeIPv6(packet, at: 4)  // Linux, BSDs, FreeBSD, macOS
            default: return .failure(.notIP(family))
            }
        default:
            return .failure(.unsupportedLinkType(linkType))
        }
    }

    private static func decodeNetwork<Packet: TransportPacket>(
        _ packet: PacketBytes, etherType: UInt32, at offset: Int
    ) -> Result<Packet, SkipReason> {
        switch etherType {
        case 0x0800: decodeIPv4(packet, at: offset)
        case 0x86DD: decodeIPv6(packet, at: offset)
        default: .failure(.notIP(etherType))
        }
    }

    private static func decodeByVersion<Packet: TransportPacket>(_ packet: PacketBytes, at offset: Int) -> Result<Packet, SkipReason> {
        switch packet.u8(offset) >> 4 {
        case 4: decodeIPv4(packet, at: offset)
        case 6: decodeIPv6(packet, at: offset)
        case let version: .failure(.notIP(UInt32(version)))
        }
    }

    private static func decodeIPv4<Packet: TransportPacket>(_ packet: PacketBytes, at start: Int) -> Result<Packet, SkipReason> {
        guard packet.has(start + 20) else { return .failure(.truncatedHeader(layer: "IPv4")) }
        let versionAndLength = packet.u8(start)
        guard versionAndLength >> 4 == 4 else { return .failure(.malformed("IPv4 version \(versionAndLength >> 4)")) }
        let headerLength = Int(versionAndLength & 0x0F) * 4
        guard headerLength >= 20 else { return .failure(.malformed("IPv4 header length \(headerLength)")) }
        guard packet.has(start + headerLength) else { return .failure(.truncatedHeader(layer: "IPv4 options")) }
        let fragment = packet.u16(start + 6)
        let ipProtocol = packet.u8(start + 9)
        guard ipProtocol == Packet.ipProtocol else { return .failure(.otherTransport(ipProtocol: ipProtocol)) }
        let totalLength = Int(packet.u16(start + 2))
        let source = IPAddress.v4(packet.u32(start + 12))
        let destination = IPAddress.v4(packet.u32(start + 16))
        // More fragments, or an offset: a piece of a datagram.
        if fragment & 0x3FFF != 0 {
            guard totalLength >= headerLength else { return .failure(.malformed("IPv4 fragment total length \(totalLength)")) }
            guard packet.has(start + totalLength) else { return .failure(.truncatedHeader(layer: "IPv4 fragment")) }
            let key = IPFragment.Key(
                source: source, destination: destination, identification: UInt32(packet.u16(start + 4)), payloadProtocol: ipProtocol)
            return .failure(.fragment(IPFragment(
                key: key, header: start ..< start + headerLength, offset: Int(fragment & 0x1FFF) * 8,
                moreFragments: fragment & 0x2000 != 0, data: start + headerLength ..< start + totalLength)))
        }
        // GSO frames captured before segmentation may say 0.
        let end = totalLength == 0 ? packet.originalLength : start + totalLength
        guard end >= start + headerLength else { return .failure(.malformed("IPv4 total length \(totalLength)")) }
        return Packet.decode(packet, at: start + headerLength, end: end, source: source, destination: destination)
    }

    private static func decodeIPv6<Packet: TransportPacket>(_ packet: PacketBytes, at start: Int) -> Result<Packet, SkipReason> {
        guard packet.has(start + 40) else { return .failure(.truncatedHeader(layer: "IPv6")) }
        guard packet.u8(start) >> 4 == 6 else { return .failure(.malformed("IPv6 version \(packet.u8(start) >> 4)")) }
        let payloadLength = Int(packet.u16(start + 4))
        // GSO (BIG TCP) frames may say 0.
        let end = payloadLength == 0 ? packet.originalLength : start + 40 + payloadLength
        let source = IPAddress(v6Bytes: packet.slice(start + 8, 16))
        let destination = IPAddress(v6Bytes: packet.slice(start + 24, 16))
        var nextHeader = packet.u8(start + 6)
        var offset = start + 40
        while true {
            switch nextHeader {
            case Packet.ipProtocol:
                guard end >= offset else { return .failure(.malformed("IPv6 payload length \(payloadLength)")) }
                return Packet.decode(packet, at: offset, end: end, source: source, destination: destination)
            case 0, 43, 60:  // hop-by-hop, routing, destination options
                guard packet.has(offset + 2) else { return .failure(.truncatedHeader(layer: "IPv6 extension")) }
                nextHeader = packet.u8(offset)
                offset += (Int(packet.u8(offset + 1)) + 1) * 8
            case 44:
                guard payloadLength > 0, end >= offset + 8 else { return .failure(.malformed("IPv6 fragment payload length \(payloadLength)")) }
                guard packet.u8(offset) == Packet.ipProtocol else { return .failure(.otherTransport(ipProtocol: packet.u8(offset))) }
                guard packet.has(end) else { return .failure(.truncatedHeader(layer: "IPv6 fragment")) }
                let field = packet.u16(offset + 2)
                let key = IPFragment.Key(
                    source: source, destination: destination, identification: packet.u32(offset + 4), payloadProtocol: packet.u8(offset))
                return .failure(.fragment(IPFragment(
                    key: key, header: start ..< start + 40, offset: Int(field & 0xFFF8), moreFragments: field & 1 != 0,
                    data: offset + 8 ..< end)))
            default:
                return .failure(.otherTransport(ipProtocol: nextHeader))
            }
        }
    }
}

extension TCPSegment {
    static func decode(
        _ packet: PacketBytes, at start: Int, end: Int, source: IPAddress, destination: IPAddress
    ) -> Result<TCPSegment, SkipReason> {
        guard packet.has(start + 20) else { return .failure(.truncatedHeader(layer: "TCP")) }
        let headerLength = Int(packet.u8(start + 12) >> 4) * 4
        guard headerLength >= 20 else { return .failure(.malformed("TCP data offset \(headerLength)")) }
        guard packet.has(start + headerLength) else { return .failure(.truncatedHeader(layer: "TCP options")) }
        let payloadStart = start + headerLength
        guard end >= payloadStart else {
            return .failure(.malformed("IP length ends inside the TCP header"))
        }
        let capturedEnd = min(end, packet.bytes.count)
        let flow = FlowKey(source: source, sourcePort: packet.u16(start),
                           destination: destination, destinationPort: packet.u16(start + 2))
        return .success(TCPSegment(
            flow: flow,
            sequenceNumber: packet.u32(start + 4),
            acknowledgementNumber: packet.u32(start + 8),
            flags: TCPFlags(rawValue: packet.u8(start + 13)),
            window: packet.u16(start + 14),
            tcpOffset: start,
            payloadOffset: payloadStart,
            capturedPayloadLength: capturedEnd - payloadStart,
            missingPayloadBytes: end - capturedEnd))
    }
}

/// Big-endian reads from captured bytes.
struct PacketBytes {
    let bytes: UnsafeRawBufferPointer
    let originalLength: Int

    @inline(__always) func has(_ count: Int) -> Bool { count <= bytes.count }
    @inline(__always) func u8(_ offset: Int) -> UInt8 { bytes[offset] }
    @inline(__always) func u16(_ offset: Int) -> UInt16 {
        UInt16(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }
    @inline(__always) func u32(_ offset: Int) -> UInt32 {
        UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
    func slice(_ offset: Int, _ count: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[offset ..< offset + count])
    }
}
