/// Which direction of which TCP connection in a capture to verify.
public enum FlowSelector: Sendable, Equatable {
    /// The direction of a TCP connection that carries the most payload.
    case busiest
    case exact(FlowKey)
    /// The busiest direction whose source or destination port is this.
    case port(UInt16)
}

/// Payload carried by one direction of a TCP connection in a capture.
public struct FlowSummary: Sendable, Equatable {
    public var flow: FlowKey
    public var packets: Int
    /// Payload bytes per the IP headers (retransmissions included).
    public var payloadBytes: UInt64
}

/// What a capture shows about one TCP stream compared with its expected
/// content. Offsets are stream offsets (0 = first byte after the SYN).
public struct WireVerdict: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        /// Every expected byte was on the wire, equal, and nothing more.
        case pass
        /// The capture shows bytes that differ, are missing, or are extra.
        case fail
        /// The capture cannot tell: payload cut by snaplen, or no such flow.
        case unverifiable
    }

    public var status: Status
    /// The verified direction, as `FlowKey.description` prints it.
    public var flow: String?
    /// Content offset of stream offset 0.
    public var startOffset: UInt64
    /// Stream bytes reassembled and checked (missing bytes not counted).
    public var bytes: UInt64
    /// SHA-256 of those bytes, hex.
    public var sha256: String
    public var expectedBytes: UInt64
    /// SHA-256 of the expected bytes, hex.
    public var expectedSHA256: String
    /// The lowest-offset finding.
    public var firstMismatch: Mismatch?
    /// Reassembled bytes that differ from the expected ones.
    public var mismatchedBytes: UInt64
    public var missingBytes: UInt64
    public var extraBytes: UInt64
    /// Bytes the capture's snaplen cut off.
    public var truncatedBytes: UInt64
    /// Ranges missing from the capture.
    public var gaps: [ByteRange]
    /// Ranges where retransmitted bytes disagreed with earlier ones.
    public var conflicts: [ByteRange]
    /// Packets of the verified direction.
    public var packets: Int
    /// Of those, packets with payload.
    public var segments: Int
    public var retransmittedBytes: UInt64
    public var outOfOrderSegments: Int
    public var truncatedSegments: Int
    public var synSeen: Bool
    public var finSeen: Bool
    public var rstSeen: Bool
    /// Sizes and checksums of the verified direction's frames.
    public var frames: FrameStatistics?
    /// Why the verdict is what it is, in words.
    public var notes: [String]
    /// For a UDP flow: its datagrams, each placed by its own bytes.
    public var datagrams: DatagramTally? = nil

    enum CodingKeys: String, CodingKey {
        case status, flow, bytes, sha256, gaps, conflicts, packets, segments, notes
        case startOffset = "start_offset"
        case expectedBytes = "expected_bytes"
        case expectedSHA256 = "expected_sha256"
        case firstMismatch = "first_mismatch"
        case mismatchedBytes = "mismatched_bytes"
        case missingBytes = "missing_bytes"
        case extraBytes = "extra_bytes"
        case truncatedBytes = "truncated_bytes"
        case retransmittedBytes = "retransmitted_bytes"
        case outOfOrderSegments = "out_of_order_segments"
        case truncatedSegments = "truncated_segments"
        case synSeen = "syn_seen"
        case finSeen = "fin_seen"
        case rstSeen = "rst_seen"
        case frames, datagrams
    }
}

/// Checks, byte for byte, what a capture shows of a TCP stream.
public enum WireVerifier {
    /// Reassembles the selected direction of `capture` and compares it with
    /// `expected` (stream byte k ↔ content byte `startOffset + k`) in one pass
    /// over the payload; `.busiest` and `.port` first read the headers once to
    /// choose the flow.
    ///
    /// A capture that keeps the payload only of chosen stretches of the stream
    /// (`sampled`) is judged on those: its holes are counted in
    /// `missingBytes` and `gaps` but are not findings.
    ///
    /// `checkpoint` is called every few thousand packets; what it throws ends
    /// the verification (the runner stops there on Ctrl-C).
    public static func verify(
        capture path: String, flow selector: FlowSelector,
        expected: any ExpectedContent, startOffset: UInt64 = 0, sampled: Bool = false,
        checkpoint: () throws -> Void = {}
    ) throws -> WireVerdict {
        let file = try PcapFile(path: path)
        if let linkType = file.fileLinkType, !PacketDecoder.supports(linkType) {
            throw CaptureFileError.unsupportedLinkType(path: path, linkType: linkType.rawValue)
        }
        let flow: FlowKey?
        switch selector {
        case let .exact(key):
            flow = key
        case .busiest:
            flow = busiest(try flows(in: file, checkpoint: checkpoint)).map(\.flow)
        case let .port(port):
            flow = busiest(try flows(in: file, checkpoint: checkpoint).filter {
                $0.flow.sourcePort == port || $0.flow.destinationPort == port
            }).map(\.flow)
        }

        let verifier = StreamVerifier(expected: expected, startOffset: startOffset, holesAreFindings: !sampled)
        let reassembler = TCPReassembler(expected: expected, startOffset: startOffset, sink: verifier)
        var skipped = SkipTally()
        var frames = FrameTally()
        let fragments = IPFragmentReassembler()
        try forEachSegment(in: file, fragments: fragments, skipped: &skipped, of: TCPSegment.self, checkpoint: checkpoint) { segment, packet, wireLength in
            if segment.flow == flow {
                reassembler.add(segment, packet: packet)
                frames.add(segment, packet: packet, wireLength: wireLength)
            }
        }
        if skipped.decodedPackets == 0, let linkType = skipped.unsupportedLinkTypes.min(by: { $0.rawValue < $1.rawValue }) {
            throw CaptureFileError.unsupportedLinkType(path: path, linkType: linkType.rawValue)
        }
        reassembler.finish()
        let stream = verifier.finish()
        let statistics = reassembler.statistics

        var notes = reassembler.notes + fragments.notes + skipped.notes
        let firstMismatch = [stream.firstMismatch, reassembler.firstConflict]
            .compactMap { $0 }
            .min { $0.offset < $1.offset }
        let status: WireVerdict.Status
        if statistics.packets == 0 {
            status = .unverifiable
            notes.insert(flow.map { "no packets of \($0) in the capture" } ?? "no TCP payload in the capture", at: 0)
        } else if fragments.conflictingDatagrams > 0 {
            // IP fragments that disagree are a finding, as TCP conflicts are.
            status = .fail
        } else if fragments.incompleteDatagrams > 0, let kind = firstMismatch?.kind, kind == .missing || kind == .short {
            // Bytes of a datagram the capture kept only part of: not known to be wrong.
            status = .unverifiable
            notes.insert("stream bytes missing where IP datagrams are incomplete in the capture", at: 0)
        } else if firstMismatch != nil {
            status = .fail
        } else if stream.truncatedBytes > 0 {
            status = .unverifiable
            notes.insert("\(statistics.truncatedSegments) segment(s) cut by the capture's snaplen: \(stream.truncatedBytes) payload bytes not captured", at: 0)
        } else {
            status = .pass
        }
        return WireVerdict(
            status: status, flow: flow?.description, startOffset: startOffset,
            bytes: stream.bytes, sha256: stream.sha256,
            expectedBytes: stream.expectedBytes, expectedSHA256: stream.expectedSHA256,
            firstMismatch: firstMismatch, mismatchedBytes: stream.mismatchedBytes,
            missingBytes: stream.missingBytes, extraBytes: stream.extraBytes,
            truncatedBytes: stream.truncatedBytes,
            gaps: reassembler.gaps, conflicts: reassembler.conflicts,
            packets: statistics.packets, segments: statistics.dataSegments,
            retransmittedBytes: statistics.retransmittedBytes,
            outOfOrderSegments: statistics.outOfOrderSegments,
            truncatedSegments: statistics.truncatedSegments,
            synSeen: statistics.synSeen, finSeen: statistics.finSeen, rstSeen: statistics.rstSeen,
            frames: frames.finish(), notes: notes)
    }

    /// Every TCP direction in the capture at `path`, busiest first (headers
    /// only).
    public static func flows(inCapture path: String) throws -> [FlowSummary] {
        try flows(in: PcapFile(path: path))
    }

    private static func flows(in file: PcapFile, checkpoint: () throws -> Void = {}) throws -> [FlowSummary] {
        var summaries: [FlowKey: FlowSummary] = [:]
        var skipped = SkipTally()
        try forEachSegment(in: file, fragments: IPFragmentReassembler(), skipped: &skipped, of: TCPSegment.self, checkpoint: checkpoint) { segment, _, _ in
            summaries[segment.flow, default: FlowSummary(flow: segment.flow, packets: 0, payloadBytes: 0)]
                .packets += 1
            summaries[segment.flow]!.payloadBytes += UInt64(segment.payloadLength)
        }
        return summaries.values.sorted {
            ($0.payloadBytes, $1.flow.description) > ($1.payloadBytes, $0.flow.description)
        }
    }

    /// Calls `body` with every TCP segment of `file`, the bytes it was
    /// decoded from and its length on the wire; a fragmented datagram's
    /// segment comes when its last piece does, decoded from the rebuilt
    /// datagram (its wire length the datagram's). Packets with no segment
    /// are counted in `skipped`; `checkpoint` is called every 4096 packets.
    static func forEachSegment<Packet: TransportPacket>(
        in file: PcapFile, fragments: IPFragmentReassembler, skipped: inout SkipTally, of _: Packet.Type,
        checkpoint: () throws -> Void, _ body: (Packet, UnsafeRawBufferPointer, Int) -> Void
    ) throws {
        try file.forEachPacket { packet in
            if packet.number % 4096 == 0 { try checkpoint() }
            switch PacketDecoder.decode(packet.bytes, linkType: packet.linkType, originalLength: packet.originalLength, as: Packet.self) {
            case let .success(segment):
                skipped.decodedPackets += 1
                body(segment, packet.bytes, packet.originalLength)
            case let .failure(.fragment(fragment)):
                guard let datagram = fragments.add(fragment, packet: packet.bytes) else { return }
                datagram.withUnsafeBytes { bytes in
                    switch PacketDecoder.decode(bytes, linkType: .raw, originalLength: bytes.count, as: Packet.self) {
                    case let .success(segment):
                        skipped.decodedPackets += 1
                        body(segment, bytes, bytes.count)
                    case let .failure(reason):
                        skipped.count(reason)
                    }
                }
            case let .failure(reason):
                skipped.count(reason)
            }
        }
    }

    /// The summary with the most payload, if any carries payload.
    private static func busiest(_ summaries: [FlowSummary]) -> FlowSummary? {
        summaries.filter { $0.payloadBytes > 0 }
            .max { ($0.payloadBytes, $1.flow.description) < ($1.payloadBytes, $0.flow.description) }
    }
}

/// Packets that yielded no TCP segment (or UDP datagram), by reason worth a note.
struct SkipTally {
    var decodedPackets = 0
    var cutHeaders = 0
    var malformed = 0
    var unsupportedLinkTypes: Set<LinkType> = []

    mutating func count(_ reason: SkipReason) {
        switch reason {
        case let .unsupportedLinkType(type): unsupportedLinkTypes.insert(type)
        case .truncatedHeader: cutHeaders += 1
        case .malformed: malformed += 1
        case .notIP, .otherTransport, .fragment: break
        }
    }

    var notes: [String] {
        var notes: [String] = []
        if cutHeaders > 0 {
            notes.append("\(cutHeaders) packet(s) skipped: headers cut off by the capture")
        }
        if malformed > 0 {
            notes.append("\(malformed) malformed packet(s) skipped")
        }
        for type in unsupportedLinkTypes.sorted(by: { $0.rawValue < $1.rawValue }) {
            notes.append("packets on link type \(type) skipped: unsupported")
        }
        return notes
    }
}

extension WireVerdict {
    /// The verdict in file offsets for a stream whose first `header` bytes
    /// (a program's response header, checked too) come before the file.
    public func body(after header: UInt64) -> WireVerdict {
        guard header > 0 else { return self }
        var body = self
        body.startOffset = 0
        body.bytes = bytes > header ? bytes - header : 0
        body.expectedBytes = expectedBytes > header ? expectedBytes - header : 0
        if var mismatch = firstMismatch, mismatch.offset >= header {
            mismatch.offset -= header
            body.firstMismatch = mismatch
        }
        body.gaps = gaps.map { ByteRange(lower: $0.lower > header ? $0.lower - header : 0, upper: $0.upper > header ? $0.upper - header : 0) }
        if header < bytes { body.notes.append("the first \(header) stream bytes are the response header, checked as the client received it; offsets are the file's") }
        return body
    }
}
