#if canImport(Glibc)
import Glibc
#endif

/// Writes classic pcap files with nanosecond timestamps (magic 0xa1b23c4d,
/// host byte order), into memory (`bytes`) or to a file.
public final class PcapWriter {
    public struct WriteError: Error, CustomStringConvertible {
        public let description: String
    }

    public let linkType: LinkType
    /// Longest frame kept: longer frames are cut, as a capture's snaplen does.
    public let snapLength: Int
    /// The file so far (in memory), or what waits to be flushed (to a file).
    public private(set) var bytes: [UInt8] = []
    private let path: String?
    private var descriptor: Int32 = -1
    private static let flushThreshold = 4 << 20

    /// A writer that keeps the file in `bytes`.
    public init(linkType: LinkType = .ethernet, snapLength: Int = 262_144) {
        self.linkType = linkType
        self.snapLength = snapLength
        self.path = nil
        appendFileHeader()
    }

    /// A writer that creates (or replaces) the file at `path`.
    public init(path: String, linkType: LinkType = .ethernet, snapLength: Int = 262_144) throws(WriteError) {
        self.linkType = linkType
        self.snapLength = snapLength
        self.path = path
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw WriteError(description: "\(path): cannot create: \(String(cString: strerror(errno)))")
        }
        bytes.reserveCapacity(PcapWriter.flushThreshold + 65_600)
        appendFileHeader()
    }

    deinit {
        if descriptor >= 0 { Glibc.close(descriptor) }
    }

    /// Appends one packet. `frame` is the whole packet as it was on the
    /// wire; only its first `snapLength` bytes are stored.
    public func append(_ frame: UnsafeRawBufferPointer, timestampNanoseconds: UInt64) throws(WriteError) {
        appendRecord(frame, timestampNanoseconds: timestampNanoseconds)
        if descriptor >= 0, bytes.count >= PcapWriter.flushThreshold { try flush() }
    }

    public func append(_ frame: [UInt8], timestampNanoseconds: UInt64) throws(WriteError) {
        frame.withUnsafeBytes { appendRecord($0, timestampNanoseconds: timestampNanoseconds) }
        if descriptor >= 0, bytes.count >= PcapWriter.flushThreshold { try flush() }
    }

    private func appendRecord(_ frame: UnsafeRawBufferPointer, timestampNanoseconds: UInt64) {
        let captured = min(frame.count, snapLength)
        appendInteger(UInt32(truncatingIfNeeded: timestampNanoseconds / 1_000_000_000))
        appendInteger(UInt32(truncatingIfNeeded: timestampNanoseconds % 1_000_000_000))
        appendInteger(UInt32(captured))
        appendInteger(UInt32(frame.count))
        bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: frame[0 ..< captured]))
    }

    /// Writes what is buffered and closes the file (no-op in memory).
    public func close() throws(WriteError) {
        guard descriptor >= 0 else { return }
        try flush()
        if Glibc.close(descriptor) != 0 {
            throw WriteError(description: "\(path ?? ""): close: \(String(cString: strerror(errno)))")
        }
        descriptor = -1
    }

    private func flush() throws(WriteError) {
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, $0.count - written) }
            if result < 0 {
                if errno == EINTR { continue }
                throw WriteError(description: "\(path ?? ""): write: \(String(cString: strerror(errno)))")
            }
            written += result
        }
        bytes.removeAll(keepingCapacity: true)
    }

    private func appendFileHeader() {
        appendInteger(UInt32(0xA1B2_3C4D))
        appendInteger(UInt16(2))
        appendInteger(UInt16(4))
        appendInteger(UInt32(0))  // thiszone
        appendInteger(UInt32(0))  // sigfigs
        appendInteger(UInt32(snapLength))
        appendInteger(linkType.rawValue)
    }

    private func appendInteger<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value) { bytes.append(contentsOf: $0) }
    }
}

/// Builds the frames of synthetic TCP captures: Ethernet, LINUX_SLL,
/// LINUX_SLL2 or RAW framing around an IPv4 or IPv6 header (the address
/// family of the flow) and a TCP header. The IPv4 header checksum is set;
/// the TCP checksum is left 0 (zclab does not check it).
public struct SyntheticFrameBuilder: Sendable {
    public var linkType: LinkType
    /// 802.1Q VLAN IDs to tag Ethernet frames with, outermost first.
    public var vlanTags: [UInt16]
    /// TCP option bytes (padded with NOPs to a multiple of 4).
    public var tcpOptions: [UInt8]

    public init(linkType: LinkType = .ethernet, vlanTags: [UInt16] = [], tcpOptions: [UInt8] = []) {
        self.linkType = linkType
        self.vlanTags = vlanTags
        self.tcpOptions = tcpOptions
    }

    /// The frame of one TCP segment. `ipTotalLengthOverride` replaces the
    /// IPv4 total length field (for example 0, as GSO frames show).
    public func frame(
        flow: FlowKey, sequenceNumber: UInt32, acknowledgementNumber: UInt32 = 0,
        flags: TCPFlags = .ack, payload: UnsafeRawBufferPointer,
        ipTotalLengthOverride: UInt16? = nil
    ) -> [UInt8] {
        var frame: [UInt8] = []
        let isIPv6 = flow.source.isIPv6
        frame.reserveCapacity(payload.count + 100)
        let etherType: UInt16 = isIPv6 ? 0x86DD : 0x0800
        switch linkType {
        case .linuxSLL:
            frame.appendBigEndian(UInt16(4))  // sent by us
            frame.appendBigEndian(UInt16(1))  // ARPHRD_ETHER
            frame.appendBigEndian(UInt16(6))
            frame += [0x02, 0, 0, 0, 0, 1, 0, 0]
            frame.appendBigEndian(etherType)
        case .linuxSLL2:
            frame.appendBigEndian(etherType)
            frame.appendBigEndian(UInt16(0))
            frame.appendBigEndian(UInt32(2))  // ifindex
            frame.appendBigEndian(UInt16(1))
            frame += [4, 6, 0x02, 0, 0, 0, 0, 1, 0, 0]
        case .raw, .rawIPBSD, .rawIPOpenBSD:
            break
        default:
            frame += [0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1]
            for tag in vlanTags {
                frame.appendBigEndian(UInt16(0x8100))
                frame.appendBigEndian(tag)
            }
            frame.appendBigEndian(etherType)
        }
        let options = tcpOptions + [UInt8](repeating: 1, count: (4 - tcpOptions.count % 4) % 4)
        let tcpLength = 20 + options.count + payload.count
        switch (flow.source, flow.destination) {
        case let (.v4(source), .v4(destination)):
            let headerStart = frame.count
            frame += [0x45, 0]
            frame.appendBigEndian(ipTotalLengthOverride ?? UInt16(truncatingIfNeeded: 20 + tcpLength))
            frame.appendBigEndian(UInt16(0))
            frame.appendBigEndian(UInt16(0x4000))  // DF
            frame += [64, 6, 0, 0]
            frame.appendBigEndian(source)
            frame.appendBigEndian(destination)
            let checksum = SyntheticFrameBuilder.internetChecksum(frame[headerStart...])
            frame[headerStart + 10] = UInt8(checksum >> 8)
            frame[headerStart + 11] = UInt8(checksum & 0xFF)
        case let (.v6(sourceHigh, sourceLow), .v6(destinationHigh, destinationLow)):
            frame += [0x60, 0, 0, 0]
            frame.appendBigEndian(UInt16(truncatingIfNeeded: tcpLength))
            frame += [6, 64]
            for half in [sourceHigh, sourceLow, destinationHigh, destinationLow] { frame.appendBigEndian(half) }
        default:
            preconditionFailure("flow \(flow) mixes IPv4 and IPv6")
        }
        frame.appendBigEndian(flow.sourcePort)
        frame.appendBigEndian(flow.destinationPort)
        frame.appendBigEndian(sequenceNumber)
        frame.appendBigEndian(acknowledgementNumber)
        frame.append(UInt8((20 + options.count) / 4) << 4)
        frame.append(flags.rawValue)
        frame.appendBigEndian(UInt16(65535))
        frame += [0, 0, 0, 0]  // checksum, urgent pointer
        frame += options
        frame.append(contentsOf: payload)
        return frame
    }

    private static func internetChecksum(_ header: ArraySlice<UInt8>) -> UInt16 {
        var sum: UInt32 = 0
        var index = header.startIndex
        while index + 1 < header.endIndex {
            sum += UInt32(header[index]) << 8 | UInt32(header[index + 1])
            index += 2
        }
        while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
        return ~UInt16(sum)
    }
}

extension Array where Element == UInt8 {
    /// Appends `value` in network byte order.
    mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }
}
