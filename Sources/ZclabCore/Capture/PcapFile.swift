#if canImport(Glibc)
import Glibc
#endif

/// A pcap or pcapng file, memory-mapped and read in place.
///
/// Reads classic pcap with microsecond (0xa1b2c3d4) or nanosecond
/// (0xa1b23c4d) timestamps in either byte order, and pcapng (section header
/// blocks in either byte order, interface description blocks with their link
/// type, `if_tsresol` and `if_tsoffset`, enhanced and simple packet blocks;
/// other blocks are skipped).
public final class PcapFile {
    public enum Format: Equatable, Sendable {
        case pcap(nanosecond: Bool, swapped: Bool)
        case pcapng
    }

    public let path: String
    public let format: Format
    /// The link type of a classic pcap file; nil for pcapng, where each
    /// interface has its own.
    public let fileLinkType: LinkType?
    private let base: UnsafeRawPointer
    private let size: Int

    /// Maps the file at `path` and checks its header.
    public init(path: String) throws(CaptureFileError) {
        self.path = path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw .cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw .cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        let size = Int(status.st_size)
        guard size >= 4 else {
            throw .notACaptureFile(path: path, detail: "\(size) bytes long")
        }
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0),
              mapped != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw .cannotOpen(path: path, reason: "mmap: \(String(cString: strerror(errno)))")
        }
        _ = madvise(mapped, size, MADV_SEQUENTIAL)
        let base = UnsafeRawPointer(mapped)
        let magic = base.loadUnaligned(as: UInt32.self)
        let format: Format
        switch magic {
        case 0xA1B2_C3D4: format = .pcap(nanosecond: false, swapped: false)
        case 0xD4C3_B2A1: format = .pcap(nanosecond: false, swapped: true)
        case 0xA1B2_3C4D: format = .pcap(nanosecond: true, swapped: false)
        case 0x4D3C_B2A1: format = .pcap(nanosecond: true, swapped: true)
        case PcapNG.sectionHeaderType: format = .pcapng
        default:
            munmap(mapped, size)
            throw .notACaptureFile(path: path, detail: "magic 0x\(String(magic.bigEndian, radix: 16))")
        }
        var linkType: LinkType?
        if case let .pcap(_, swapped) = format {
            let header = FileReader(base: base, size: size, swapped: swapped)
            guard size >= 24 else {
                munmap(mapped, size)
                throw .truncatedHeader(path: path, offset: 0)
            }
            let major = header.u16(4), minor = header.u16(6)
            guard major == 2 else {
                munmap(mapped, size)
                throw .unsupportedVersion(path: path, major: major, minor: minor)
            }
            // The upper bits hold FCS-length flags, not the type.
            linkType = LinkType(rawValue: header.u32(20) & 0xFFFF)
        }
        self.base = base
        self.size = size
        self.format = format
        self.fileLinkType = linkType
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: base), size)
    }

    /// Calls `body` for every packet in file order. Packet bytes are not
    /// copied: they point into the mapped file. Throws `CaptureFileError`
    /// for a damaged file (after handing out the packets before the damage),
    /// or what `body` throws.
    public func forEachPacket(_ body: (CapturedPacket) throws -> Void) throws {
        switch format {
        case let .pcap(nanosecond, swapped):
            try readClassic(nanosecond: nanosecond, swapped: swapped, body)
        case .pcapng:
            try readPcapNG(body)
        }
    }

    // MARK: Classic pcap

    private func readClassic(
        nanosecond: Bool, swapped: Bool, _ body: (CapturedPacket) throws -> Void
    ) throws {
        let reader = FileReader(base: base, size: size, swapped: swapped)
        let linkType = fileLinkType ?? .ethernet
        let fractionScale: Int64 = nanosecond ? 1 : 1000
        var offset = 24
        var number = 0
        while offset < size {
            guard size - offset >= 16 else {
                throw CaptureFileError.truncatedHeader(path: path, offset: offset)
            }
            let seconds = Int64(reader.u32(offset))
            let fraction = Int64(reader.u32(offset + 4))
            let capturedLength = Int(reader.u32(offset + 8))
            let originalLength = Int(reader.u32(offset + 12))
            let dataOffset = offset + 16
            guard capturedLength <= size - dataOffset else {
                throw CaptureFileError.truncatedRecord(
                    path: path, offset: offset, needed: 16 + capturedLength, available: size - offset)
            }
            number += 1
            let packet = CapturedPacket(
                number: number,
                timestampNanoseconds: seconds * 1_000_000_000 + fraction * fractionScale,
                linkType: linkType,
                originalLength: originalLength,
                bytes: UnsafeRawBufferPointer(start: base + dataOffset, count: capturedLength),
                interfaceIndex: 0)
            try body(packet)
            offset = dataOffset + capturedLength
        }
    }

    // MARK: pcapng

    private enum PcapNG {
        static let sectionHeaderType: UInt32 = 0x0A0D_0D0A
        static let interfaceDescriptionType: UInt32 = 1
        static let simplePacketType: UInt32 = 3
        static let enhancedPacketType: UInt32 = 6
        static let byteOrderMagic: UInt32 = 0x1A2B_3C4D
        static let optionTimestampResolution: UInt16 = 9
        static let optionTimestampOffset: UInt16 = 14
    }

    /// An interface of the current pcapng section.
    private struct Interface {
        var globalIndex: Int
        var linkType: LinkType
        var clock: TimestampClock
        var snapLength: UInt32
    }

    private func readPcapNG(_ body: (CapturedPacket) throws -> Void) throws {
        var reader = FileReader(base: base, size: size, swapped: false)
        var interfaces: [Interface] = []
        var interfaceCount = 0
        var offset = 0
        var number = 0
        while offset < size {
            guard size - offset >= 12 else {
                throw CaptureFileError.truncatedHeader(path: path, offset: offset)
            }
            let type = reader.u32(offset)
            if type == PcapNG.sectionHeaderType {
                // The byte-order magic decides how to read this section,
                // its own length field included.
                guard size - offset >= 28 else {
                    throw CaptureFileError.truncatedHeader(path: path, offset: offset)
                }
                let magic = base.loadUnaligned(fromByteOffset: offset + 8, as: UInt32.self)
                switch magic {
                case PcapNG.byteOrderMagic: reader.swapped = false
                case PcapNG.byteOrderMagic.byteSwapped: reader.swapped = true
                default:
                    throw offset == 0
                        ? CaptureFileError.notACaptureFile(path: path, detail: "pcapng byte-order magic 0x\(String(magic, radix: 16))")
                        : CaptureFileError.malformedBlock(path: path, offset: offset, reason: "bad byte-order magic")
                }
                let major = reader.u16(offset + 12), minor = reader.u16(offset + 14)
                guard major == 1 else {
                    throw CaptureFileError.unsupportedVersion(path: path, major: major, minor: minor)
                }
                interfaces.removeAll(keepingCapacity: true)
            } else if offset == 0 {
                throw CaptureFileError.notACaptureFile(path: path, detail: "first block is not a section header")
            }
            let length = Int(reader.u32(offset + 4))
            guard length >= 12, length % 4 == 0 else {
                throw CaptureFileError.malformedBlock(path: path, offset: offset, reason: "block length \(length)")
            }
            guard length <= size - offset else {
                throw CaptureFileError.truncatedRecord(path: path, offset: offset, needed: length, available: size - offset)
            }
            guard Int(reader.u32(offset + length - 4)) == length else {
                throw CaptureFileError.malformedBlock(path: path, offset: offset, reason: "trailing length differs from leading length \(length)")
            }
            let bodyStart = offset + 8
            let bodyEnd = offset + length - 4
            switch type {
            case PcapNG.interfaceDescriptionType:
                guard bodyEnd - bodyStart >= 8 else {
                    throw CaptureFileError.malformedBlock(path: path, offset: offset, reason: "interface description block too short")
                }
                var resolution: UInt8 = 6  // microseconds unless if_tsresol says otherwise
                var offsetSeconds: Int64 = 0
                forEachOption(reader, from: bodyStart + 8, to: bodyEnd) { code, valueOffset, valueLength in
                    if code == PcapNG.optionTimestampResolution, valueLength >= 1 {
                        resolution = base.load(fromByteOffset: valueOffset, as: UInt8.self)
                    } else if code == PcapNG.optionTimestampOffset, valueLength >= 8 {
                        offsetSeconds = Int64(bitPattern: reader.u64(valueOffset))
                    }
                }
                let clock = TimestampClock(resolutionOption: resolution, offsetSeconds: offsetSeconds)
                interfaces.append(Interface(
                    globalIndex: interfaceCount,
                    linkType: LinkType(rawValue: UInt32(reader.u16(bodyStart))),
                    clock: clock,
                    snapLength: reader.u32(bodyStart + 4)))
                interfaceCount += 1
            case PcapNG.enhancedPacketType:
                guard bodyEnd - bodyStart >= 20 else {
                    throw CaptureFileError.malformedBlock(path: path, offset: offset, reason: "enhanced packet block too short")
                }
                let interfaceID = reader.u32(bodyStart)
                guard Int(interfaceID) < interfaces.count else {
                    throw CaptureFileError.unknownInterface(path: path, offset: offset, interfaceID: interfaceID)
                }
                let interface = interfaces[Int(interfaceID)]
                let ticks = UInt64(reader.u32(bodyStart + 4)) << 32 | UInt64(reader.u32(bodyStart + 8))
                let capturedLength = Int(reader.u32(bodyStart + 12))
                let originalLength = Int(reader.u32(bodyStart + 16))
                let dataStart = bodyStart + 20
                guard capturedLength <= bodyEnd - dataStart else {
                    throw CaptureFileError.malformedBlock(path: path, offset: offset, reason: "captured length \(capturedLength) exceeds the block")
                }
                number += 1
                let packet = CapturedPacket(
                    number: number,
                    timestampNanoseconds: interface.clock.nanoseconds(ticks),
                    linkType: interface.linkType,
                    originalLength: originalLength,
                    bytes: UnsafeRawBufferPointer(start: base + dataStart, count: capturedLength),
                    interfaceIndex: interface.globalIndex)
                try body(packet)
            case PcapNG.simplePacketType:
                guard let interface = interfaces.first else {
                    throw CaptureFileError.unknownInterface(path: path, offset: offset, interfaceID: 0)
                }
                guard bodyEnd - bodyStart >= 4 else {
                    throw CaptureFileError.malformedBlock(path: path, offset: offset, reason: "simple packet block too short")
                }
                let originalLength = Int(reader.u32(bodyStart))
                let dataStart = bodyStart + 4
                var capturedLength = min(originalLength, bodyEnd - dataStart)
                if interface.snapLength > 0 { capturedLength = min(capturedLength, Int(interface.snapLength)) }
                number += 1
                let packet = CapturedPacket(
                    number: number,
                    timestampNanoseconds: 0,
                    linkType: interface.linkType,
                    originalLength: originalLength,
                    bytes: UnsafeRawBufferPointer(start: base + dataStart, count: capturedLength),
                    interfaceIndex: interface.globalIndex)
                try body(packet)
            default:
                break
            }
            offset += length
        }
    }

    /// Walks the options of a block: `body(code, valueOffset, valueLength)`.
    private func forEachOption(
        _ reader: FileReader, from start: Int, to end: Int,
        _ body: (UInt16, Int, Int) -> Void
    ) {
        var offset = start
        while end - offset >= 4 {
            let code = reader.u16(offset)
            let length = Int(reader.u16(offset + 2))
            if code == 0 || length > end - offset - 4 { return }
            body(code, offset + 4, length)
            offset += 4 + (length + 3) & ~3
        }
    }
}

/// Converts pcapng timestamp ticks to nanoseconds for one `if_tsresol`.
private struct TimestampClock {
    private enum Scale {
        case multiply(UInt64)
        case divide(UInt64)
        /// Ticks are 2^-shift seconds.
        case binary(UInt64)
    }

    private let scale: Scale
    private let offsetSeconds: Int64

    /// `resolution` as stored in `if_tsresol`: the high bit chooses a power
    /// of two, otherwise a power of ten; the rest is the negative exponent.
    init(resolutionOption resolution: UInt8, offsetSeconds: Int64) {
        self.offsetSeconds = offsetSeconds
        let exponent = UInt64(resolution & 0x7F)
        if resolution & 0x80 != 0 {
            scale = .binary(min(exponent, 63))
        } else if exponent <= 9 {
            var factor: UInt64 = 1
            for _ in 0 ..< (9 - exponent) { factor *= 10 }
            scale = .multiply(factor)
        } else {
            var divisor: UInt64 = 1
            for _ in 0 ..< min(exponent - 9, 19) { divisor *= 10 }
            scale = .divide(divisor)
        }
    }

    func nanoseconds(_ ticks: UInt64) -> Int64 {
        let nanoseconds: UInt64
        switch scale {
        case let .multiply(factor): nanoseconds = ticks &* factor
        case let .divide(divisor): nanoseconds = ticks / divisor
        case let .binary(shift):
            let product = ticks.multipliedFullWidth(by: 1_000_000_000)
            nanoseconds = shift == 0 ? product.low : product.high << (64 - shift) | product.low >> shift
        }
        return Int64(bitPattern: nanoseconds) &+ offsetSeconds &* 1_000_000_000
    }
}

/// Reads integers of one byte order from the mapped file.
private struct FileReader {
    let base: UnsafeRawPointer
    let size: Int
    var swapped: Bool

    @inline(__always) func u16(_ offset: Int) -> UInt16 {
        let value = base.loadUnaligned(fromByteOffset: offset, as: UInt16.self)
        return swapped ? value.byteSwapped : value
    }

    @inline(__always) func u32(_ offset: Int) -> UInt32 {
        let value = base.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
        return swapped ? value.byteSwapped : value
    }

    @inline(__always) func u64(_ offset: Int) -> UInt64 {
        let value = base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        return swapped ? value.byteSwapped : value
    }
}
