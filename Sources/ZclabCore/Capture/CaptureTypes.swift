/// A link-layer header type as numbered by tcpdump.org (LINKTYPE_*).
public struct LinkType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let null = LinkType(rawValue: 0)
    public static let ethernet = LinkType(rawValue: 1)
    public static let rawIPBSD = LinkType(rawValue: 12)
    public static let rawIPOpenBSD = LinkType(rawValue: 14)
    public static let raw = LinkType(rawValue: 101)
    public static let loop = LinkType(rawValue: 108)
    public static let linuxSLL = LinkType(rawValue: 113)
    public static let linuxSLL2 = LinkType(rawValue: 276)

    public var description: String {
        switch self {
        case .null: "NULL (0)"
        case .ethernet: "EN10MB (1)"
        case .rawIPBSD: "RAW (12)"
        case .rawIPOpenBSD: "RAW (14)"
        case .raw: "RAW (101)"
        case .loop: "LOOP (108)"
        case .linuxSLL: "LINUX_SLL (113)"
        case .linuxSLL2: "LINUX_SLL2 (276)"
        default: "\(rawValue)"
        }
    }
}

/// One packet of a capture file. `bytes` points into the mapped file and is
/// valid only during the `forEachPacket` call that handed it out.
public struct CapturedPacket {
    /// 1-based position in the file, as Wireshark numbers frames.
    public var number: Int
    /// Nanoseconds since the Unix epoch.
    public var timestampNanoseconds: Int64
    public var linkType: LinkType
    /// Bytes present in the file (caplen).
    public var capturedLength: Int { bytes.count }
    /// Length of the packet on the wire (origLen); at least `capturedLength`
    /// in a well-formed file.
    public var originalLength: Int
    /// The captured bytes, starting with the link-layer header.
    public var bytes: UnsafeRawBufferPointer
    /// Interface the packet was captured on: for pcapng, the index among
    /// all interface description blocks of the file (counting across
    /// sections); always 0 for classic pcap.
    public var interfaceIndex: Int
}

/// Why a capture file cannot be read.
public enum CaptureFileError: Error, CustomStringConvertible, Equatable, Sendable {
    case cannotOpen(path: String, reason: String)
    case notACaptureFile(path: String, detail: String)
    case truncatedHeader(path: String, offset: Int)
    case truncatedRecord(path: String, offset: Int, needed: Int, available: Int)
    case malformedBlock(path: String, offset: Int, reason: String)
    case unsupportedVersion(path: String, major: UInt16, minor: UInt16)
    case unsupportedLinkType(path: String, linkType: UInt32)
    case unknownInterface(path: String, offset: Int, interfaceID: UInt32)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason):
            "\(path): cannot open: \(reason)"
        case let .notACaptureFile(path, detail):
            "\(path): not a capture file (\(detail))"
        case let .truncatedHeader(path, offset):
            "\(path): truncated header at byte \(offset)"
        case let .truncatedRecord(path, offset, needed, available):
            "\(path): truncated packet record at byte \(offset): needs \(needed) bytes, file has \(available)"
        case let .malformedBlock(path, offset, reason):
            "\(path): malformed block at byte \(offset): \(reason)"
        case let .unsupportedVersion(path, major, minor):
            "\(path): unsupported format version \(major).\(minor)"
        case let .unsupportedLinkType(path, linkType):
            "\(path): unsupported link type \(LinkType(rawValue: linkType))"
        case let .unknownInterface(path, offset, interfaceID):
            "\(path): packet block at byte \(offset) names interface \(interfaceID), which no interface description block declared"
        }
    }
}
