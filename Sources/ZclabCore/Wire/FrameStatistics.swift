/// What the frames of one direction of a TCP connection looked like in a
/// capture: how many, how large, and whether their checksums were filled in.
/// This is where offload settings show: with segmentation offload the sender's
/// tap sees frames far above the MTU; with checksum offload it sees checksums
/// left for the device to finish.
public struct FrameStatistics: Codable, Sendable, Equatable {
    /// Frames of the direction, with or without payload.
    public var frames: Int
    /// Of those, frames with TCP payload.
    public var dataFrames: Int
    /// Wire length of the smallest and largest data frame (link header included).
    public var smallestDataFrame: Int
    public var largestDataFrame: Int
    /// TCP payload of the smallest and largest data frame.
    public var smallestSegment: Int
    public var largestSegment: Int
    /// Payload sizes of the first data frames, in capture order.
    public var firstSegments: [Int]
    /// Data frames by wire length.
    public var histogram: [FrameSizeBin]
    public var checksums: ChecksumTally

    enum CodingKeys: String, CodingKey {
        case frames, histogram, checksums
        case dataFrames = "data_frames"
        case smallestDataFrame = "smallest_data_frame", largestDataFrame = "largest_data_frame"
        case smallestSegment = "smallest_segment", largestSegment = "largest_segment"
        case firstSegments = "first_segments"
    }

    /// How many payload sizes `firstSegments` keeps.
    public static let firstSegmentCount = 8

    /// Upper bounds (inclusive) of the histogram's bins, in bytes of frame:
    /// 1514 and 9014 are full Ethernet frames at MTU 1500 and 9000, 65549 a
    /// 64 KiB GSO frame; the last bin takes everything larger (BIG TCP).
    public static let binBounds = [128, 512, 1514, 4096, 9014, 16384, 32768, 65549, Int.max]
}

/// Data frames whose wire length is at most `upTo` (and above the bin before).
public struct FrameSizeBin: Codable, Sendable, Equatable {
    /// Inclusive upper bound in bytes; nil for the last, open bin.
    public var upTo: Int?
    public var frames: Int

    enum CodingKeys: String, CodingKey {
        case upTo = "up_to", frames
    }
}

/// TCP checksums of captured frames, by state.
public struct ChecksumTally: Codable, Sendable, Equatable {
    /// The checksum verifies.
    public var valid = 0
    /// The field holds only the pseudo-header sum: left for the device to
    /// finish (CHECKSUM_PARTIAL), as a tap before the device sees it.
    public var partial = 0
    /// Neither.
    public var invalid = 0
    /// The capture did not keep the whole segment, so it cannot be checked.
    public var unchecked = 0

    /// One word for the set: valid, partial, invalid, unchecked, or "mixed"
    /// naming the counts; "none" without frames.
    public var summary: String {
        let counts = [("valid", valid), ("partial", partial), ("invalid", invalid), ("unchecked", unchecked)].filter { $0.1 > 0 }
        switch counts.count {
        case 0: return "none"
        case 1: return counts[0].0
        default: return "mixed (" + counts.map { "\($0.1) \($0.0)" }.joined(separator: ", ") + ")"
        }
    }
}

/// Builds `FrameStatistics` one frame at a time.
struct FrameTally {
    private var statistics: FrameStatistics
    private var counts = [Int](repeating: 0, count: FrameStatistics.binBounds.count)

    init() {
        statistics = FrameStatistics(
            frames: 0, dataFrames: 0, smallestDataFrame: 0, largestDataFrame: 0,
            smallestSegment: 0, largestSegment: 0, firstSegments: [], histogram: [], checksums: ChecksumTally())
    }

    /// Counts `segment` (or datagram), decoded from `packet` whose wire length is `wireLength`.
    mutating func add(_ segment: some TransportPacket, packet: UnsafeRawBufferPointer, wireLength: Int) {
        statistics.frames += 1
        switch TransportChecksum.state(of: segment, in: packet) {
        case .valid: statistics.checksums.valid += 1
        case .partial: statistics.checksums.partial += 1
        case .invalid: statistics.checksums.invalid += 1
        case .unchecked: statistics.checksums.unchecked += 1
        }
        let payload = segment.payloadLength
        guard payload > 0 else { return }
        if statistics.dataFrames == 0 {
            statistics.smallestDataFrame = wireLength
            statistics.smallestSegment = payload
        }
        statistics.dataFrames += 1
        statistics.smallestDataFrame = min(statistics.smallestDataFrame, wireLength)
        statistics.largestDataFrame = max(statistics.largestDataFrame, wireLength)
        statistics.smallestSegment = min(statistics.smallestSegment, payload)
        statistics.largestSegment = max(statistics.largestSegment, payload)
        if statistics.firstSegments.count < FrameStatistics.firstSegmentCount { statistics.firstSegments.append(payload) }
        counts[FrameStatistics.binBounds.firstIndex { wireLength <= $0 }!] += 1
    }

    func finish() -> FrameStatistics {
        var result = statistics
        result.histogram = zip(FrameStatistics.binBounds, counts).map { bound, frames in
            FrameSizeBin(upTo: bound == Int.max ? nil : bound, frames: frames)
        }
        return result
    }
}

/// The TCP and UDP checksum (RFC 793, RFC 768, RFC 1071) of captured packets.
enum TransportChecksum {
    enum State { case valid, partial, invalid, unchecked }

    /// Whether the checksum of `segment` in `packet` verifies, holds only the
    /// pseudo-header sum (a partial checksum, complemented or not), or neither.
    /// A UDP checksum of 0 over IPv4 means none was computed: unchecked.
    static func state<Packet: TransportPacket>(of segment: Packet, in packet: UnsafeRawBufferPointer) -> State {
        guard !segment.payloadTruncated else { return .unchecked }
        let header = UnsafeRawBufferPointer(rebasing: packet[segment.headerOffset ..< segment.payloadOffset + segment.capturedPayloadLength])
        let field = UInt16(header[Packet.checksumField]) << 8 | UInt16(header[Packet.checksumField + 1])
        if Packet.self == UDPDatagram.self, field == 0, !segment.flow.source.isIPv6 { return .unchecked }
        let pseudo = pseudoHeaderSum(segment.flow, length: header.count, protocol: Packet.ipProtocol)
        if fold(pseudo + sum(header)) == 0xFFFF { return .valid }
        let folded = fold(pseudo)
        return field == folded || field == ~folded ? .partial : .invalid
    }

    /// The one's-complement sum of the pseudo-header, unfolded.
    static func pseudoHeaderSum(_ flow: FlowKey, length: Int, protocol number: UInt8 = TCPSegment.ipProtocol) -> UInt64 {
        var total = UInt64(number) + UInt64(length)
        for address in [flow.source, flow.destination] {
            switch address {
            case .v4(let value): total += UInt64(value >> 16) + UInt64(value & 0xFFFF)
            case .v6(let high, let low):
                for word in [high, low] {
                    total += (word >> 48) + (word >> 32 & 0xFFFF) + (word >> 16 & 0xFFFF) + (word & 0xFFFF)
                }
            }
        }
        return total
    }

    /// The one's-complement sum of `bytes` as big-endian 16-bit words, unfolded.
    static func sum(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var total: UInt64 = 0
        var index = 0
        while index + 1 < bytes.count {
            total += UInt64(bytes[index]) << 8 | UInt64(bytes[index + 1])
            index += 2
        }
        if index < bytes.count { total += UInt64(bytes[index]) << 8 }
        return total
    }

    static func fold(_ value: UInt64) -> UInt16 {
        var total = value
        while total > 0xFFFF { total = (total & 0xFFFF) + (total >> 16) }
        return UInt16(total)
    }
}
