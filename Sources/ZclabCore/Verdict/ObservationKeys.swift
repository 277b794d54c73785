/// The observation keys a scenario may state expectations about, each with
/// the kind of value it takes. A key that matches none of these, or a value
/// its key can never take, is an error in the scenario file.
public enum ObservationKeys {
    /// Syscalls whose per-call figures are observed as `ACTOR.CALL.FIELD`.
    public static let calls = [
        "open", "read", "write", "sendfile", "splice", "splice_fill", "mmap", "touch", "fcntl", "fcntl_setsig", "fcntl_setlease", "setsockopt",
        "connect", "accept", "shutdown", "truncate", "ftruncate", "pwrite", "capset", "lseek", "copy_file_range", "send", "pread", "send_zc",
        "io_uring_setup", "io_uring_register", "setrlimit", "socket", "modify", "vmsplice", "ioctl", "socketpair", "sendmsg", "sendmsg_zc",
    ]

    /// What F_GETLEASE said.
    static let leaseState = ValueType.words("F_RDLCK", "F_WRLCK", "F_UNLCK", "none")
    /// How a stream first differed from the file (`Mismatch.Kind`, "new" for an overwrite's data).
    static let mismatchKind = ValueType.words("zeros", "shifted", "new", "other", "missing", "extra", "short", "conflict", "none")

    /// Keys with a fixed name.
    public static let fixed: [ObservationKey] = [
        ObservationKey("sender.exit", ValueType(.number, .signal), "the sender agent's exit status, or the signal that killed it (SIGBUS)"),
        ObservationKey("sender.bytes", .number, "bytes the sender's send calls reported as sent"),
        ObservationKey("sender.error", .errnoOrNone, "errno name of the call that stopped the sender, or none (errnos it retried past do not count)"),
        ObservationKey("sender.blocked_in", .text, "the syscall the sender was observed blocked in, or none"),
        ObservationKey("sender.signal", .signalOrNone, "the first signal the sender received (SIGBUS, SIGPIPE), or none"),
        ObservationKey("sender.signal_code", .text, "its si_code (BUS_ADRERR), or none"),
        ObservationKey("sender.fault_offset", .numberOrNone, "the file offset of its si_addr inside the sender's mapping, or none"),
        ObservationKey("file.size_after", .number, "the test file's size when the transfer ended"),
        ObservationKey("zerocopy.sends", .number, "send(2) calls with MSG_ZEROCOPY that succeeded (each takes an id)"),
        ObservationKey("zerocopy.notifications", .number, "completions read from the error queue (each a range of ids)"),
        ObservationKey("zerocopy.ids_complete", .flag, "the completions cover ids 0 to sends-1 exactly once, in order"),
        ObservationKey("zerocopy.first_id", .numberOrNone, "the lowest id completed first, or none"),
        ObservationKey("zerocopy.copied_notifications", .number, "completions with SO_EE_CODE_ZEROCOPY_COPIED: the kernel copied after all"),
        ObservationKey("zerocopy.zerocopy_notifications", .number, "completions without it: sent from the pages as they were"),
        ObservationKey("zerocopy.ranges", .text, "the completions' id ranges in the order read, \"lo-hi\" space-separated"),
        ObservationKey("zerocopy.enable_errno", .errnoOrNone, "what a script's setsockopt(SO_ZEROCOPY) gave: none, or the errno (a socket type that refuses it)"),
        ObservationKey("zerocopy.optmem_max", ValueType(.number, .text), "net.core.optmem_max in the sender's namespace"),
        ObservationKey("zerocopy.memlock", ValueType(.number, .text), "the sender's RLIMIT_MEMLOCK (\"ignored (CAP_IPC_LOCK)\" unless the scenario sets memlock)"),
        ObservationKey("model.agrees", .flag, "the kernel's MSG_ZEROCOPY completions are exactly those the model predicts"),
        ObservationKey("model.ids_agree", .flag, "both cover the same ids, once each, in order (a difference is a finding)"),
        ObservationKey("model.codes_agree", .flag, "both say copied or not alike for every id"),
        ObservationKey("model.splits_agree", .flag, "both split the ids into the same ranges (coalescing follows completion timing)"),
        ObservationKey("http.status", .numberOrNone, "a program's HTTP status code, or none"),
        ObservationKey("http.content_length", .numberOrNone, "its Content-Length header, or none"),
        ObservationKey("http.header_bytes", .number, "bytes of its status line and headers"),
        ObservationKey("client.end", .words("complete", "eof", "reset", "timeout"), "how the response ended: complete (Content-Length reached), eof, reset or timeout"),
        ObservationKey("client.connect_attempts", .number, "connections the client tried while the program started"),
        ObservationKey("program.alive", .flag, "the program still ran when the client was done"),
        ObservationKey("program.blocked_in", .text, "the call the program (or a child) was observed blocked in for sender.blocked, or none"),
        ObservationKey("client.exit", ValueType(.number, .signal), "an external client command's exit status, or the signal that killed it"),
        ObservationKey("client.wire_agrees", .flag, "the capture shows the body the client read: as many bytes, first difference at the same offset"),
        ObservationKey("program.next_status", .numberOrNone, "the status of a second request on a new connection (client again: true), or none"),
        ObservationKey("program.next_bytes", .numberOrNone, "the bytes after the header of that second response, or none"),
        ObservationKey("wire.payload_bytes", .number, "payload bytes of the busiest direction on the scenario's port, retransmissions included (an external client's stream)"),
        ObservationKey("wire.packets", .number, "its packets"),
        ObservationKey("wire.end", .words("fin", "rst", "none"), "how the capture shows the program's side ending: fin, rst, or none"),
        ObservationKey("uring.sends", .number, "io_uring SEND_ZC requests of the transfer"),
        ObservationKey("uring.short_sends", .number, "of those, results shorter than asked"),
        ObservationKey("uring.notifications", .number, "notification completions (IORING_CQE_F_NOTIF) of the transfer's requests"),
        ObservationKey("uring.copied_notifications", .number, "notifications saying IORING_NOTIF_USAGE_ZC_COPIED (with report_usage)"),
        ObservationKey("uring.zerocopy_notifications", .number, "notifications not saying so"),
        ObservationKey("uring.pairs_complete", .flag, "every result with F_MORE was followed by exactly one notification of its request, and no other came"),
        ObservationKey("uring.first_error", .errnoOrNone, "errno name of the first failed result, or none"),
        ObservationKey("uring.misuse_result", ValueType(.errno, .text), "the misuse request's result: an errno name, its result as quoted text (\"0\") if it did not fail, or none"),
        ObservationKey("uring.misuse_more", .flagOrNone, "whether that result said F_MORE (a notification to follow)"),
        ObservationKey("uring.misuse_notification", .flagOrNone, "whether a notification came for it"),
        ObservationKey("copy.bytes", .number, "bytes a file-to-file copy's calls reported"),
        ObservationKey("copy.error", .errnoOrNone, "errno name of the call that stopped the copy, or none"),
        ObservationKey("copy.matches", .flag, "the copy equals the source, byte for byte"),
        ObservationKey("copy.first_mismatch", .numberOrNone, "offset of the first byte of the copy that differs, or none"),
        ObservationKey("copy.allocated_bytes", .number, "space the copy takes (st_blocks × 512)"),
        ObservationKey("copy.source_allocated_bytes", .number, "space the sparse source takes"),
        ObservationKey("copy.holes_kept", .flag, "the copy takes no more space than the source (give or take 1 MiB): its holes survived"),
        ObservationKey("sender.lease_set", ValueType(.errno, .words(["ok"])), "ok, or the errno F_SETLEASE failed with"),
        ObservationKey("sender.lease_before", leaseState, "F_GETLEASE right after taking the lease (F_RDLCK, F_WRLCK, F_UNLCK)"),
        ObservationKey("sender.lease_after", leaseState, "F_GETLEASE after the transfer"),
        ObservationKey("sender.lease_in_handler", leaseState, "F_GETLEASE in the break signal's handler, before it acted, or none"),
        ObservationKey("sender.handler_action", ValueType(.errno, .words(["ok", "none"])), "what the handler's F_SETLEASE gave (ok or errno), or none"),
        ObservationKey("sender.signal_fd_is_lease", .flag, "the break signal's si_fd is the lease's descriptor"),
        ObservationKey("sender.signal_band", .numberOrNone, "the break signal's si_band, or none"),
        ObservationKey("receiver.bytes", .number, "bytes the receiver read"),
        ObservationKey("receiver.matches", .flag, "received bytes equal the file, byte for byte"),
        ObservationKey("receiver.first_mismatch", .numberOrNone, "offset of the first received byte that differs, or none"),
        ObservationKey("receiver.intact", .flag, "no byte that arrived differs from the original file (a short stream can be intact)"),
        ObservationKey("receiver.matching_bytes", .number, "bytes before the first that differs"),
        ObservationKey("receiver.first_mismatch_kind", mismatchKind, "zeros, shifted (another offset's data), new (an overwrite's data), other, short, or none"),
        ObservationKey("receiver.past_eof_bytes", .number, "bytes received beyond the size the file was truncated to"),
        ObservationKey("wire.intact", .flag, "no byte on the wire differs from the original file"),
        ObservationKey("wire.matching_bytes", .number, "wire bytes before the first that differs"),
        ObservationKey("wire.first_mismatch_kind", mismatchKind, "as receiver.first_mismatch_kind, for the wire"),
        ObservationKey("wire.past_eof_bytes", .number, "wire bytes beyond the size the file was truncated to"),
        ObservationKey("wire.status", .words("pass", "fail", "unverifiable"), "pass, fail or unverifiable, from the capture"),
        ObservationKey("wire.bytes", .number, "bytes reassembled from the capture"),
        ObservationKey("wire.matches", .flag, "wire bytes equal the file, byte for byte (false if the capture dropped packets)"),
        ObservationKey("wire.first_mismatch", .numberOrNone, "offset of the first wire byte that differs, or none"),
        ObservationKey("wire.gaps", .number, "ranges missing from the capture"),
        ObservationKey("wire.conflicts", .number, "overlapping segments that disagreed"),
        ObservationKey("wire.retransmitted_bytes", .number, "payload bytes seen more than once"),
        ObservationKey("wire.sequence_covered", .number, "bytes of the stream's sequence space the capture saw, payload kept or not"),
        ObservationKey("wire.verified_bytes", .number, "bytes compared byte for byte on the wire"),
        ObservationKey("wire.marks_verified", .flag, "every byte around the file's marks was captured whole and matched (capture.payload: marks)"),
        ObservationKey("wire.receiver_only_bytes", .number, "bytes of the file checked only by the receiver (capture.payload: marks)"),
        ObservationKey("capture.dropped", .number, "packets libpcap dropped, over all captures"),
        ObservationKey("features.restored", .flag, "every changeable feature of the interfaces was back to its original state after the scenario"),
    ]

    /// `ACTOR.CALL.FIELD`: figures over all of an actor's calls of one syscall.
    public static let callKeys: [ObservationKey] = [
        ("calls", ValueType.number, "how many calls were made"),
        ("return_total", .number, "the sum of the successful calls' results"),
        ("return_min", .number, "the smallest successful result"),
        ("return_max", .number, "the largest successful result"),
        ("errno", .errnoOrNone, "the errno of the last call that failed, or none"),
        ("duration_ms", .number, "milliseconds spent in the calls"),
    ].map { field, type, meaning in
        ObservationKey([
            .choice(placeholder: "ACTOR", choices: ["sender", "receiver", "actor", "copier"]),
            .choice(placeholder: "CALL", choices: calls), .word(field),
        ], type, meaning)
    }

    /// `sender.script.N.FIELD`: what call N of a sendfile script gave.
    public static let scriptKeys: [ObservationKey] = [
        ("return", ValueType(.number, .words(["error"])), "the call's result, or error"),
        ("errno", .errnoOrNone, "its errno, or none"),
        ("offset_after", .number, "the file offset after it"),
    ].map { field, type, meaning in ObservationKey([.word("sender"), .word("script"), .index, .word(field)], type, meaning) }

    /// `zerocopy.step.N.FIELD`: what step N of a MSG_ZEROCOPY script gave.
    public static let zerocopyStepKeys: [ObservationKey] = [
        ("return", ValueType(.number, .words(["error"])), "the step's result, or error"),
        ("errno", .errnoOrNone, "its errno, or none"),
        ("ranges", .text, "completion id ranges it read, \"lo-hi\" space-separated, or none"),
        ("sends", .number, "sends it made"),
        ("poll", .text, "poll(2) events, e.g. \"OUT|ERR\""),
        ("epoll", .text, "epoll events, e.g. \"IN|OUT|ERR\""),
        ("so_error", .text, "SO_ERROR read after it, or none"),
    ].map { field, type, meaning in ObservationKey([.word("zerocopy"), .word("step"), .index, .word(field)], type, meaning) }

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

    /// Other keys whose names have a part the scenario chooses.
    public static let patternKeys: [ObservationKey] = [
        ObservationKey([.word("features"), side, .any(placeholder: "FEATURE")], .words("on", "off"),
                       "a device feature the scenario changed, as read back"),
        ObservationKey([.word("client"), .word("record"), .any(placeholder: "NAME")], .anything,
                       "a value an external client's JSON output holds, named in client.record"),
    ]

    static let side = ObservationKey.Segment.choice(placeholder: "SIDE", choices: ["receiver", "sender"])

    /// Every key, fixed names first.
    public static let all = fixed + callKeys + scriptKeys + zerocopyStepKeys + frameKeys + patternKeys

    /// The key `name` is, or nil if it is none.
    public static func key(_ name: String) -> ObservationKey? {
        all.first { $0.matches(name) }
    }

    public static func isKnown(_ name: String) -> Bool { key(name) != nil }
}
