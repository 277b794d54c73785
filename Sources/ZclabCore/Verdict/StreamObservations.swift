import Foundation

/// The stream as the receiver read it and as the capture showed it: `receiver.*`, `wire.*`, `frames.SIDE.*`.
extension Observations {
    /// What arrived compared with the original file, for a stream whose file
    /// may have been truncated to `truncatedTo` or overwritten with `overwrite`
    /// while it was sent: under `PREFIX` (receiver or wire), `intact` (no byte
    /// that arrived differs from the original), `matching_bytes` (bytes before
    /// the first difference), `first_mismatch_kind` (zeros, shifted (stale data
    /// of another offset), new (the overwrite's data), other, short, ...) and
    /// `past_eof_bytes` (bytes beyond the size the file was truncated to).
    /// Datagrams lost on the way (`lost`: transport udp) leave bytes
    /// missing, which no more than a short stream makes what arrived wrong.
    mutating func addComparison(_ prefix: String, bytes: UInt64, mismatch: Mismatch?, truncatedTo: UInt64?, overwrite: (any ExpectedContent)?, lost: Bool = false) {
        values["\(prefix).intact"] = .flag(mismatch == nil || mismatch?.kind == .short || (lost && mismatch?.kind == .missing))
        values["\(prefix).matching_bytes"] = .number(Int64(min(mismatch?.offset ?? bytes, bytes)))
        let kind = mismatch.map { Self.kind(of: $0, overwrite: overwrite) } ?? "none"
        values["\(prefix).first_mismatch_kind"] = .text(kind)
        if overwrite != nil {
            // By reference or by copy: the change made while the data was queued, or the file as it was.
            values["\(prefix).source_bytes"] = .text(kind == "new" ? "new" : kind == "none" || kind == "short" ? "old" : "other")
        }
        if let truncatedTo {
            values["\(prefix).past_eof_bytes"] = .number(Int64(bytes > truncatedTo ? bytes - truncatedTo : 0))
        }
    }
    /// The mismatch's kind, or "new" when the found bytes are the overwrite's data.
    static func kind(of mismatch: Mismatch, overwrite: (any ExpectedContent)?) -> String {
        guard let overwrite, !mismatch.foundHex.isEmpty, mismatch.offset < overwrite.count else { return mismatch.kind.rawValue }
        var written = [UInt8](repeating: 0, count: min(16, Int(overwrite.count - mismatch.offset)))
        written.withUnsafeMutableBytes { overwrite.fill($0, at: mismatch.offset) }
        let hex = written.map { String(format: "%02x", $0) }.joined()
        return mismatch.foundHex.hasPrefix(hex) || hex.hasPrefix(mismatch.foundHex) ? "new" : mismatch.kind.rawValue
    }
    /// The receiver's count and its byte-for-byte check.
    public mutating func addReceiver(done: AgentOutcome?, truncatedTo: UInt64? = nil, overwrite: (any ExpectedContent)? = nil) {
        self[ReceiverObservation.bytes] = .number(Int64(done?.stream?.bytes ?? 0))
        if let stream = done?.stream, stream.countedOnly != true {
            self[ReceiverObservation.matches] = .flag(stream.matches)
            self[ReceiverObservation.firstMismatch] = stream.firstMismatch.map { .number(Int64($0.offset)) } ?? .text("none")
            addComparison("receiver", bytes: stream.bytes, mismatch: stream.firstMismatch, truncatedTo: truncatedTo, overwrite: overwrite, lost: stream.datagrams != nil)
            if let tally = stream.datagrams {
                self[ReceiverObservation.datagrams] = .number(Int64(tally.datagrams))
                self[ReceiverObservation.lostBytes] = .number(Int64(tally.lostBytes))
            }
            if let path = stream.path { addReceivePath(path, bytes: stream.bytes) }
            if let drops = stream.udpDrops {
                self[ReceiverObservation.checksumErrors] = .number(drops.checksumErrors)
                self[ReceiverObservation.bufferErrors] = .number(drops.bufferErrors)
                self[ReceiverObservation.reassemblyFailures] = .number(drops.reassemblyFailures)
            }
        }
        addCalls(done?.steps ?? [], actor: "receiver")
    }
    /// The wire verdict. A capture that dropped packets never counts as a match.
    public mutating func addWire(_ wire: WireVerdict, dropped: UInt64, truncatedTo: UInt64? = nil, overwrite: (any ExpectedContent)? = nil) {
        self[WireObservation.status] = .text(dropped > 0 && wire.status == .pass ? "unverifiable" : wire.status.rawValue)
        self[WireObservation.bytes] = .number(Int64(wire.bytes))
        self[WireObservation.matches] = .flag(wire.status == .pass && dropped == 0)
        self[WireObservation.firstMismatch] = wire.firstMismatch.map { .number(Int64($0.offset)) } ?? .text("none")
        self[WireObservation.gaps] = .number(Int64(wire.gaps.count))
        self[WireObservation.conflicts] = .number(Int64(wire.conflicts.count))
        self[WireObservation.retransmittedBytes] = .number(Int64(wire.retransmittedBytes))
        self[WireObservation.end] = .text(wire.rstSeen ? "rst" : wire.finSeen ? "fin" : "none")
        addComparison("wire", bytes: wire.bytes, mismatch: wire.firstMismatch, truncatedTo: truncatedTo, overwrite: overwrite, lost: wire.datagrams != nil)
        if let tally = wire.datagrams {
            self[WireObservation.datagrams] = .number(Int64(tally.datagrams))
            self[WireObservation.lostBytes] = .number(Int64(tally.lostBytes))
        }
    }
    /// The frames one capture side saw of the data direction, under
    /// `frames.SIDE.` (see `ObservationKeys.frameKeys`), and whether that
    /// side's capture carried the stream unchanged (`matches`; a sampled
    /// capture cannot tell, so it has no `matches`).
    public mutating func addFrames(side: String, _ wire: WireVerdict, dropped: UInt64, sampled: Bool = false) {
        guard let frames = wire.frames else { return }
        let prefix = "frames.\(side)."
        values[prefix + "frames"] = .number(Int64(frames.frames))
        values[prefix + "data_frames"] = .number(Int64(frames.dataFrames))
        values[prefix + "smallest_frame"] = .number(Int64(frames.smallestDataFrame))
        values[prefix + "largest_frame"] = .number(Int64(frames.largestDataFrame))
        values[prefix + "smallest_segment"] = .number(Int64(frames.smallestSegment))
        values[prefix + "largest_segment"] = .number(Int64(frames.largestSegment))
        values[prefix + "first_segments"] = .text(frames.firstSegments.map(String.init).joined(separator: " "))
        values[prefix + "checksums"] = .text(frames.checksums.summary)
        values[prefix + "checksum_valid"] = .number(Int64(frames.checksums.valid))
        values[prefix + "checksum_partial"] = .number(Int64(frames.checksums.partial))
        values[prefix + "checksum_invalid"] = .number(Int64(frames.checksums.invalid))
        if !sampled { values[prefix + "matches"] = .flag(wire.status == .pass && dropped == 0) }
    }
    /// What part of the stream the wire check saw: `sequence_covered` (bytes
    /// of sequence space seen, payload kept or not), `gaps` in it, and the
    /// split of the file into bytes verified on the wire and bytes checked
    /// only by the receiver.
    public mutating func addCoverage(_ headers: WireVerdict) {
        self[WireObservation.sequenceCovered] = .number(Int64(headers.bytes + headers.truncatedBytes))
        self[WireObservation.gaps] = .number(Int64(headers.gaps.count))
        if case .number(let verified)? = self[WireObservation.bytes] {
            self[WireObservation.verifiedBytes] = .number(verified)
            self[WireObservation.receiverOnlyBytes] = .number(max(0, Int64(headers.expectedBytes) - verified))
        }
    }
}

public enum ReceiverObservation: String, ObservationGroup {
    case bytes = "receiver.bytes"
    case matches = "receiver.matches"
    case firstMismatch = "receiver.first_mismatch"
    case intact = "receiver.intact"
    case matchingBytes = "receiver.matching_bytes"
    case firstMismatchKind = "receiver.first_mismatch_kind"
    case pastEofBytes = "receiver.past_eof_bytes"
    case sourceBytes = "receiver.source_bytes"
    case datagrams = "receiver.datagrams"
    case lostBytes = "receiver.lost_bytes"
    case checksumErrors = "receiver.udp_checksum_errors"
    case bufferErrors = "receiver.udp_buffer_errors"
    case reassemblyFailures = "receiver.ip_reassembly_failures"

    public var declaration: (type: ValueType, meaning: String) {
        switch self {
        case .bytes: (ValueType.number, "bytes the receiver read")
        case .matches: (ValueType.flag, "received bytes equal the file, byte for byte")
        case .firstMismatch: (ValueType.numberOrNone, "offset of the first received byte that differs, or none")
        case .intact: (ValueType.flag, "no byte that arrived differs from the original file (a short stream can be intact)")
        case .matchingBytes: (ValueType.number, "bytes before the first that differs")
        case .firstMismatchKind: (ObservationKeys.mismatchKind, "zeros, shifted (another offset's data), new (an overwrite's data), other, short, or none")
        case .pastEofBytes: (ValueType.number, "bytes received beyond the size the file was truncated to")
        case .sourceBytes: (ObservationKeys.sourceBytes, "when the scenario changed the data while it was sent: new (the change arrived: sent by reference), old (the original did: copied), or other")
        case .datagrams: (ValueType.number, "with transport udp: datagrams the receiver read")
        case .lostBytes: (ValueType.number, "with transport udp: bytes of the file between datagrams that never arrived (each datagram placed by its own bytes)")
        case .checksumErrors: (ValueType.number, "with transport udp: datagrams the receiver's namespace dropped for a bad UDP checksum while it read (Udp InCsumErrors)")
        case .bufferErrors: (ValueType.number, "with transport udp: datagrams dropped because the socket's buffer was full (Udp RcvbufErrors)")
        case .reassemblyFailures: (ValueType.number, "with transport udp: IP reassemblies that failed (Ip ReasmFails)")
        }
    }
}

public enum WireObservation: String, ObservationGroup {
    case payloadBytes = "wire.payload_bytes"
    case packets = "wire.packets"
    case end = "wire.end"
    case intact = "wire.intact"
    case matchingBytes = "wire.matching_bytes"
    case firstMismatchKind = "wire.first_mismatch_kind"
    case pastEofBytes = "wire.past_eof_bytes"
    case status = "wire.status"
    case bytes = "wire.bytes"
    case matches = "wire.matches"
    case firstMismatch = "wire.first_mismatch"
    case gaps = "wire.gaps"
    case conflicts = "wire.conflicts"
    case retransmittedBytes = "wire.retransmitted_bytes"
    case sequenceCovered = "wire.sequence_covered"
    case verifiedBytes = "wire.verified_bytes"
    case marksVerified = "wire.marks_verified"
    case receiverOnlyBytes = "wire.receiver_only_bytes"
    case sourceBytes = "wire.source_bytes"
    case datagrams = "wire.datagrams"
    case lostBytes = "wire.lost_bytes"

    public var declaration: (type: ValueType, meaning: String) {
        switch self {
        case .payloadBytes: (ValueType.number, "payload bytes of the busiest direction on the scenario's port, retransmissions included (an external client's stream)")
        case .packets: (ValueType.number, "its packets")
        case .end: (ValueType.words("fin", "rst", "none"), "how the capture shows the program's side ending: fin, rst, or none")
        case .intact: (ValueType.flag, "no byte on the wire differs from the original file")
        case .matchingBytes: (ValueType.number, "wire bytes before the first that differs")
        case .firstMismatchKind: (ObservationKeys.mismatchKind, "as receiver.first_mismatch_kind, for the wire")
        case .pastEofBytes: (ValueType.number, "wire bytes beyond the size the file was truncated to")
        case .status: (ValueType.words("pass", "fail", "unverifiable"), "pass, fail or unverifiable, from the capture")
        case .bytes: (ValueType.number, "bytes reassembled from the capture")
        case .matches: (ValueType.flag, "wire bytes equal the file, byte for byte (false if the capture dropped packets)")
        case .firstMismatch: (ValueType.numberOrNone, "offset of the first wire byte that differs, or none")
        case .gaps: (ValueType.number, "ranges missing from the capture")
        case .conflicts: (ValueType.number, "overlapping segments that disagreed")
        case .retransmittedBytes: (ValueType.number, "payload bytes seen more than once")
        case .sequenceCovered: (ValueType.number, "bytes of the stream's sequence space the capture saw, payload kept or not")
        case .verifiedBytes: (ValueType.number, "bytes compared byte for byte on the wire")
        case .marksVerified: (ValueType.flag, "every byte around the file's marks was captured whole and matched (capture.payload: marks)")
        case .receiverOnlyBytes: (ValueType.number, "bytes of the file checked only by the receiver (capture.payload: marks)")
        case .sourceBytes: (ObservationKeys.sourceBytes, "as receiver.source_bytes, for the wire: whether the path sent the changed data by reference")
        case .datagrams: (ValueType.number, "with transport udp: datagrams to the receiver's port in the capture, IP fragments put together")
        case .lostBytes: (ValueType.number, "with transport udp: bytes of the file between captured datagrams that never went by")
        }
    }
}

extension ObservationKeys {
    /// `frames.SIDE.FIELD` (SIDE: receiver or sender, the capture's end).
    public static let frameKeys: [ObservationKey] = [
        ("frames", ValueType.number, "frames of the data direction, with or without payload"),
        ("data_frames", .number, "of those, frames with TCP payload"),
        ("smallest_frame", .number, "wire length of the smallest data frame (link header included)"),
        ("largest_frame", .number, "wire length of the largest data frame: above the MTU when the tap sees unsegmented (GSO/TSO) frames"),
        ("smallest_segment", .number, "TCP payload of the smallest data frame"),
        ("largest_segment", .number, "TCP payload of the largest data frame"),
        ("first_segments", .text, "payload sizes of the first 8 data frames, space-separated"),
        ("checksums", .text, "TCP checksums: valid, partial (left for the device), invalid, unchecked, or mixed (counts)"),
        ("checksum_valid", .number, "frames whose TCP checksum verifies"),
        ("checksum_partial", .number, "frames whose checksum field holds only the pseudo-header sum"),
        ("checksum_invalid", .number, "frames with neither"),
        ("matches", .flag, "this side's capture carried the stream byte for byte"),
    ].map { field, type, meaning in ObservationKey([.word("frames"), side, .word(field)], type, meaning) }
}
