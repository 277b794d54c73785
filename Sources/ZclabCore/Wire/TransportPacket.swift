/// What the decoder reads after the IP header: a TCP segment or a UDP
/// datagram. Payload positions are offsets into the packet's captured bytes.
protocol TransportPacket: Sendable {
    /// The IPv4 protocol / IPv6 next-header number.
    static var ipProtocol: UInt8 { get }
    static var name: String { get }
    /// Where the header's checksum field is, from the header's start.
    static var checksumField: Int { get }
    var flow: FlowKey { get }
    /// Where the transport header starts in the captured bytes.
    var headerOffset: Int { get }
    var payloadOffset: Int { get }
    /// Payload bytes present in the capture.
    var capturedPayloadLength: Int { get }
    /// Payload bytes the headers announce but the capture cut off (snaplen).
    var missingPayloadBytes: Int { get }
    /// The header at `start`, the IP payload ending at `end`.
    static func decode(_ packet: PacketBytes, at start: Int, end: Int, source: IPAddress, destination: IPAddress) -> Result<Self, SkipReason>
}

extension TransportPacket {
    /// The payload length on the wire, per the headers.
    public var payloadLength: Int { capturedPayloadLength + missingPayloadBytes }
    public var payloadTruncated: Bool { missingPayloadBytes > 0 }

    /// The captured payload bytes within `packet` (the bytes this was decoded from).
    public func payload(in packet: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: packet[payloadOffset ..< payloadOffset + capturedPayloadLength])
    }
}

/// A decoded UDP datagram (RFC 768): one send's bytes, whole once any IP
/// fragments are put back together.
public struct UDPDatagram: TransportPacket, Hashable {
    static let ipProtocol: UInt8 = 17
    static let name = "UDP"
    static let checksumField = 6
    public var flow: FlowKey
    public var headerOffset: Int
    public var payloadOffset: Int
    public var capturedPayloadLength: Int
    public var missingPayloadBytes: Int

    static func decode(_ packet: PacketBytes, at start: Int, end: Int, source: IPAddress, destination: IPAddress) -> Result<UDPDatagram, SkipReason> {
        guard packet.has(start + 8) else { return .failure(.truncatedHeader(layer: "UDP")) }
        // The UDP length; a GSO frame captured before segmentation carries the whole IP payload.
        let length = Int(packet.u16(start + 4))
        let datagramEnd = length >= 8 && start + length <= end ? start + length : end
        guard datagramEnd >= start + 8 else { return .failure(.malformed("IP length ends inside the UDP header")) }
        let capturedEnd = min(datagramEnd, packet.bytes.count)
        return .success(UDPDatagram(
            flow: FlowKey(source: source, sourcePort: packet.u16(start), destination: destination, destinationPort: packet.u16(start + 2)),
            headerOffset: start, payloadOffset: start + 8,
            capturedPayloadLength: capturedEnd - (start + 8), missingPayloadBytes: datagramEnd - capturedEnd))
    }
}
