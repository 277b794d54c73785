/// A value the runner observed: a count, a name (errno, signal, status) or a flag.
public enum ObservedValue: Sendable, Hashable, Codable, CustomStringConvertible {
    case number(Int64)
    case text(String)
    case flag(Bool)

    public var description: String {
        switch self {
        case .number(let value): "\(value)"
        case .text(let value): value
        case .flag(let value): "\(value)"
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Bool.self) { self = .flag(value) }
        else if let value = try? container.decode(Int64.self) { self = .number(value) }
        else { self = .text(try container.decode(String.self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .number(let value): try container.encode(value)
        case .text(let value): try container.encode(value)
        case .flag(let value): try container.encode(value)
        }
    }
}

/// What an expectation accepts.
public enum Matcher: Sendable, Hashable, CustomStringConvertible {
    case equals(ObservedValue)
    /// A number within `min ... max` (either bound optional).
    case range(min: Int64?, max: Int64?)
    case oneOf([ObservedValue])

    public func accepts(_ value: ObservedValue) -> Bool {
        switch self {
        case .equals(let expected): return expected == value
        case .oneOf(let choices): return choices.contains(value)
        case .range(let low, let high):
            guard case .number(let number) = value else { return false }
            return (low.map { number >= $0 } ?? true) && (high.map { number <= $0 } ?? true)
        }
    }

    public var description: String {
        switch self {
        case .equals(let value): return "\(value)"
        case .oneOf(let values): return "one of \(values.map(\.description).joined(separator: ", "))"
        case .range(let low, let high):
            switch (low, high) {
            case let (low?, high?): return "\(low) ... \(high)"
            case let (low?, nil): return ">= \(low)"
            case let (nil, high?): return "<= \(high)"
            case (nil, nil): return "any number"
            }
        }
    }
}

/// One line of a scenario's `expect:` block: an observation key and a matcher.
public struct Expectation: Sendable, Hashable {
    /// e.g. "sender.sendfile.return_total", "wire.matches".
    public var key: String
    public var matcher: Matcher
    /// Line in the scenario file, for messages.
    public var line: Int
}

/// An expectation judged against what was observed.
public struct Assertion: Codable, Sendable, Equatable {
    public var what: String
    public var expected: String
    public var actual: String
    public var ok: Bool
    /// Why it failed beyond the mismatch itself (e.g. capture had drops).
    public var note: String?
}

/// The observation keys a scenario may state expectations about. A key that
/// matches none of these is an error in the scenario file.
public enum ObservationKeys {
    /// Syscalls whose per-call figures are observed as `ACTOR.CALL.FIELD`.
    public static let calls = [
        "open", "read", "write", "sendfile", "splice", "splice_fill", "mmap", "touch", "fcntl", "fcntl_setsig", "fcntl_setlease", "setsockopt",
        "connect", "accept", "shutdown", "truncate", "ftruncate", "pwrite", "capset", "lseek", "copy_file_range", "send", "pread", "send_zc",
        "io_uring_setup", "io_uring_register", "setrlimit", "socket", "modify", "vmsplice", "ioctl", "socketpair", "sendmsg", "sendmsg_zc",
    ]
    public static let callFields = ["calls", "return_total", "return_min", "return_max", "errno", "duration_ms"]

    /// Fixed keys and their meaning, for `--help` and the docs.
    public static let fixed: [(key: String, meaning: String)] = [
        ("sender.exit", "the sender agent's exit status, or the signal that killed it (SIGBUS)"),
        ("sender.bytes", "bytes the sender's send calls reported as sent"),
        ("sender.error", "errno name of the call that stopped the sender, or none (errnos it retried past do not count)"),
        ("sender.blocked_in", "the syscall the sender was observed blocked in, or none"),
        ("sender.signal", "the first signal the sender received (SIGBUS, SIGPIPE), or none"),
        ("sender.signal_code", "its si_code (BUS_ADRERR), or none"),
        ("sender.fault_offset", "the file offset of its si_addr inside the sender's mapping, or none"),
        ("file.size_after", "the test file's size when the transfer ended"),
        ("zerocopy.sends", "send(2) calls with MSG_ZEROCOPY that succeeded (each takes an id)"),
        ("zerocopy.notifications", "completions read from the error queue (each a range of ids)"),
        ("zerocopy.ids_complete", "the completions cover ids 0 to sends-1 exactly once, in order"),
        ("zerocopy.first_id", "the lowest id completed first, or none"),
        ("zerocopy.copied_notifications", "completions with SO_EE_CODE_ZEROCOPY_COPIED: the kernel copied after all"),
        ("zerocopy.zerocopy_notifications", "completions without it: sent from the pages as they were"),
        ("zerocopy.ranges", "the completions' id ranges in the order read, \"lo-hi\" space-separated"),
        ("zerocopy.enable_errno", "what a script's setsockopt(SO_ZEROCOPY) gave: none, or the errno (a socket type that refuses it)"),
        ("zerocopy.optmem_max", "net.core.optmem_max in the sender's namespace"),
        ("zerocopy.memlock", "the sender's RLIMIT_MEMLOCK (\"ignored (CAP_IPC_LOCK)\" unless the scenario sets memlock)"),
        ("model.agrees", "the kernel's MSG_ZEROCOPY completions are exactly those the model predicts"),
        ("model.ids_agree", "both cover the same ids, once each, in order (a difference is a finding)"),
        ("model.codes_agree", "both say copied or not alike for every id"),
        ("model.splits_agree", "both split the ids into the same ranges (coalescing follows completion timing)"),
        ("http.status", "a program's HTTP status code, or none"),
        ("http.content_length", "its Content-Length header, or none"),
        ("http.header_bytes", "bytes of its status line and headers"),
        ("client.end", "how the response ended: complete (Content-Length reached), eof, reset or timeout"),
        ("client.connect_attempts", "connections the client tried while the program started"),
        ("program.alive", "the program still ran when the client was done"),
        ("program.blocked_in", "the call the program (or a child) was observed blocked in for sender.blocked, or none"),
        ("client.exit", "an external client command's exit status, or the signal that killed it"),
        ("client.wire_agrees", "the capture shows the body the client read: as many bytes, first difference at the same offset"),
        ("program.next_status", "the status of a second request on a new connection (client again: true), or none"),
        ("program.next_bytes", "the bytes after the header of that second response, or none"),
        ("wire.payload_bytes", "payload bytes of the busiest direction on the scenario's port, retransmissions included (an external client's stream)"),
        ("wire.packets", "its packets"),
        ("wire.end", "how the capture shows the program's side ending: fin, rst, or none"),
        ("uring.sends", "io_uring SEND_ZC requests of the transfer"),
        ("uring.short_sends", "of those, results shorter than asked"),
        ("uring.notifications", "notification completions (IORING_CQE_F_NOTIF) of the transfer's requests"),
        ("uring.copied_notifications", "notifications saying IORING_NOTIF_USAGE_ZC_COPIED (with report_usage)"),
        ("uring.zerocopy_notifications", "notifications not saying so"),
        ("uring.pairs_complete", "every result with F_MORE was followed by exactly one notification of its request, and no other came"),
        ("uring.first_error", "errno name of the first failed result, or none"),
        ("uring.misuse_result", "the misuse request's result: an errno name, or none"),
        ("uring.misuse_more", "whether that result said F_MORE (a notification to follow)"),
        ("uring.misuse_notification", "whether a notification came for it"),
        ("copy.bytes", "bytes a file-to-file copy's calls reported"),
        ("copy.error", "errno name of the call that stopped the copy, or none"),
        ("copy.matches", "the copy equals the source, byte for byte"),
        ("copy.first_mismatch", "offset of the first byte of the copy that differs, or none"),
        ("copy.allocated_bytes", "space the copy takes (st_blocks × 512)"),
        ("copy.source_allocated_bytes", "space the sparse source takes"),
        ("copy.holes_kept", "the copy takes no more space than the source (give or take 1 MiB): its holes survived"),
        ("sender.lease_set", "ok, or the errno F_SETLEASE failed with"),
        ("sender.lease_before", "F_GETLEASE right after taking the lease (F_RDLCK, F_WRLCK, F_UNLCK)"),
        ("sender.lease_after", "F_GETLEASE after the transfer"),
        ("sender.lease_in_handler", "F_GETLEASE in the break signal's handler, before it acted, or none"),
        ("sender.handler_action", "what the handler's F_SETLEASE gave (ok or errno), or none"),
        ("sender.signal_fd_is_lease", "the break signal's si_fd is the lease's descriptor"),
        ("sender.signal_band", "the break signal's si_band, or none"),
        ("receiver.bytes", "bytes the receiver read"),
        ("receiver.matches", "received bytes equal the file, byte for byte"),
        ("receiver.first_mismatch", "offset of the first received byte that differs, or none"),
        ("receiver.intact", "no byte that arrived differs from the original file (a short stream can be intact)"),
        ("receiver.matching_bytes", "bytes before the first that differs"),
        ("receiver.first_mismatch_kind", "zeros, shifted (another offset's data), new (an overwrite's data), other, short, or none"),
        ("receiver.past_eof_bytes", "bytes received beyond the size the file was truncated to"),
        ("wire.intact", "no byte on the wire differs from the original file"),
        ("wire.matching_bytes", "wire bytes before the first that differs"),
        ("wire.first_mismatch_kind", "as receiver.first_mismatch_kind, for the wire"),
        ("wire.past_eof_bytes", "wire bytes beyond the size the file was truncated to"),
        ("wire.status", "pass, fail or unverifiable, from the capture"),
        ("wire.bytes", "bytes reassembled from the capture"),
        ("wire.matches", "wire bytes equal the file, byte for byte (false if the capture dropped packets)"),
        ("wire.first_mismatch", "offset of the first wire byte that differs, or none"),
        ("wire.gaps", "ranges missing from the capture"),
        ("wire.conflicts", "overlapping segments that disagreed"),
        ("wire.retransmitted_bytes", "payload bytes seen more than once"),
        ("wire.sequence_covered", "bytes of the stream's sequence space the capture saw, payload kept or not"),
        ("wire.verified_bytes", "bytes compared byte for byte on the wire"),
        ("wire.marks_verified", "every byte around the file's marks was captured whole and matched (capture.payload: marks)"),
        ("wire.receiver_only_bytes", "bytes of the file checked only by the receiver (capture.payload: marks)"),
        ("capture.dropped", "packets libpcap dropped, over all captures"),
        ("features.restored", "every changeable feature of the interfaces was back to its original state after the scenario"),
    ]

    /// Fields of `zerocopy.step.N.FIELD`, what step N of a MSG_ZEROCOPY script gave.
    public static let zerocopyStepFields = ["return", "errno", "ranges", "sends", "poll", "epoll", "so_error"]

    /// Fields of `frames.SIDE.FIELD` (SIDE: receiver or sender, the capture's end) and their meaning.
    public static let frameFields: [(field: String, meaning: String)] = [
        ("frames", "frames of the data direction, with or without payload"),
        ("data_frames", "of those, frames with TCP payload"),
        ("smallest_frame", "wire length of the smallest data frame (link header included)"),
        ("largest_frame", "wire length of the largest data frame: above the MTU when the tap sees unsegmented (GSO/TSO) frames"),
        ("smallest_segment", "TCP payload of the smallest data frame"),
        ("largest_segment", "TCP payload of the largest data frame"),
        ("first_segments", "payload sizes of the first 8 data frames, space-separated"),
        ("checksums", "TCP checksums: valid, partial (left for the device), invalid, unchecked, or mixed (counts)"),
        ("checksum_valid", "frames whose TCP checksum verifies"),
        ("checksum_partial", "frames whose checksum field holds only the pseudo-header sum"),
        ("checksum_invalid", "frames with neither"),
        ("matches", "this side's capture carried the stream byte for byte"),
    ]

    public static func isKnown(_ key: String) -> Bool {
        if fixed.contains(where: { $0.key == key }) { return true }
        let parts = key.split(separator: ".").map(String.init)
        if parts.count == 4, parts[0] == "sender", parts[1] == "script", Int(parts[2]) != nil {
            return ["return", "errno", "offset_after"].contains(parts[3])
        }
        if parts.count == 4, parts[0] == "zerocopy", parts[1] == "step", Int(parts[2]) != nil {
            return zerocopyStepFields.contains(parts[3])
        }
        if parts.count == 3 && parts[0] == "frames" {
            return ["receiver", "sender"].contains(parts[1]) && frameFields.contains { $0.field == parts[2] }
        }
        if parts.count == 3 && parts[0] == "features" { return ["receiver", "sender"].contains(parts[1]) }
        if parts.count == 3 && parts[0] == "client" && parts[1] == "record" { return true }
        return parts.count == 3 && ["sender", "receiver", "actor", "copier"].contains(parts[0])
            && calls.contains(parts[1]) && callFields.contains(parts[2])
    }
}
