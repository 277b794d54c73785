import Foundation

/// What a scenario run showed, as named values that expectations are judged
/// against (the keys are listed in `ObservationKeys`).
public struct Observations: Sendable {
    public var values: [String: ObservedValue] = [:]

    public init() {}

    /// The sender's fate, totals and per-call figures.
    public mutating func addSender(termination: Termination, done: AgentOutcome?, blockedIn: String?) {
        let result = done?.sender
        switch termination {
        case .exited(let code): values["sender.exit"] = .number(Int64(code))
        case .signaled(let signal): values["sender.exit"] = .text(signalName(signal))
        }
        values["sender.bytes"] = .number(Int64(result?.bytes ?? 0))
        let steps = done?.steps ?? []
        // Only an errno that ended the sending counts; one it retried past (EINTR, ENOBUFS) does not.
        let stopped = result?.failure != nil
        values["sender.error"] = .text(stopped ? steps.last(where: { $0.errno != nil })?.errno ?? "none" : "none")
        values["sender.blocked_in"] = .text(blockedIn ?? "none")
        let signals = result?.signals ?? []
        values["sender.signal"] = .text(signals.first?.signal ?? "none")
        values["sender.signal_code"] = .text(signals.first?.code ?? "none")
        values["sender.fault_offset"] = signals.first?.fileOffset.map { .number(Int64($0)) } ?? .text("none")
        if let lease = result?.lease {
            values["sender.lease_set"] = .text(lease.set)
            values["sender.lease_before"] = .text(lease.before?.rawValue ?? "none")
            values["sender.lease_after"] = .text(lease.after?.rawValue ?? "none")
            let breakSignal = signals.first { $0.leaseInHandler != nil }
            values["sender.signal_fd_is_lease"] = .flag(breakSignal?.fd == lease.descriptor)
            values["sender.signal_band"] = breakSignal?.band.map { .number(Int64($0)) } ?? .text("none")
            values["sender.lease_in_handler"] = .text(breakSignal?.leaseInHandler?.rawValue ?? "none")
            values["sender.handler_action"] = .text(breakSignal?.handlerAction ?? "none")
        }
        if let zerocopy = result?.zerocopy { addZerocopy(zerocopy) }
        if let uring = result?.uring {
            values["uring.sends"] = .number(Int64(uring.sends))
            values["uring.short_sends"] = .number(Int64(uring.shortSends))
            values["uring.notifications"] = .number(Int64(uring.notifications))
            values["uring.copied_notifications"] = .number(Int64(uring.copiedNotifications))
            values["uring.zerocopy_notifications"] = .number(Int64(uring.notifications - uring.copiedNotifications))
            values["uring.pairs_complete"] = .flag(uring.pairsComplete)
            values["uring.first_error"] = .text(uring.firstError ?? "none")
            values["uring.misuse_result"] = .text(uring.misuseResult ?? "none")
            values["uring.misuse_more"] = uring.misuseMore.map { .flag($0) } ?? .text("none")
            values["uring.misuse_notification"] = uring.misuseNotification.map { .flag($0) } ?? .text("none")
        }
        for (index, result) in (result?.script ?? []).enumerated() {
            let key = "sender.script.\(index + 1)"
            values["\(key).return"] = result.returned.map { .number($0) } ?? .text("error")
            values["\(key).errno"] = .text(result.errno ?? "none")
            values["\(key).offset_after"] = .number(result.offsetAfter)
        }
        addCalls(steps, actor: "sender")
    }

    /// MSG_ZEROCOPY ids and completions (`zerocopy.*`), from the kernel or the model.
    public mutating func addZerocopy(_ zerocopy: ZerocopyReport) {
        values["zerocopy.sends"] = .number(Int64(zerocopy.sends))
        values["zerocopy.notifications"] = .number(Int64(zerocopy.notifications.count))
        values["zerocopy.ids_complete"] = .flag(zerocopy.idsComplete)
        values["zerocopy.first_id"] = zerocopy.notifications.first.map { .number(Int64($0.lo)) } ?? .text("none")
        values["zerocopy.copied_notifications"] = .number(Int64(zerocopy.notifications.filter { $0.code == .copied }.count))
        values["zerocopy.zerocopy_notifications"] = .number(Int64(zerocopy.notifications.filter { $0.code == .zerocopy }.count))
        for (key, limit) in [("zerocopy.optmem_max", zerocopy.optmemMax), ("zerocopy.memlock", zerocopy.memlock)] {
            values[key] = limit.flatMap { Int64($0) }.map { .number($0) } ?? .text(limit ?? "unknown")
        }
        if let error = zerocopy.enableError { values["zerocopy.enable_errno"] = .text(error) }
        values["zerocopy.ranges"] = .text(zerocopy.notifications.isEmpty ? "none" : zerocopy.notifications.map { "\($0.lo)-\($0.hi)" }.joined(separator: " "))
        for (index, step) in (zerocopy.steps ?? []).enumerated() {
            let key = "zerocopy.step.\(index + 1)"
            values["\(key).return"] = step.returned.map { .number($0) } ?? .text("error")
            values["\(key).errno"] = .text(step.errno ?? "none")
            if let ranges = step.ranges { values["\(key).ranges"] = .text(ranges.isEmpty ? "none" : ranges) }
            if let sends = step.sends { values["\(key).sends"] = .number(Int64(sends)) }
            if let poll = step.poll { values["\(key).poll"] = .text(poll) }
            if let epoll = step.epoll { values["\(key).epoll"] = .text(epoll) }
            if let error = step.socketError { values["\(key).so_error"] = .text(error) }
        }
    }

    /// How the kernel's MSG_ZEROCOPY completions compare with the model's
    /// prediction (`model.*`).
    public mutating func addModelComparison(_ comparison: ZerocopyComparison) {
        values["model.agrees"] = .flag(comparison.agrees)
        values["model.ids_agree"] = .flag(comparison.coverage.isEmpty)
        values["model.codes_agree"] = .flag(comparison.codes.isEmpty)
        values["model.splits_agree"] = .flag(comparison.splits.isEmpty)
    }

    /// What arrived compared with the original file, for a stream whose file
    /// may have been truncated to `truncatedTo` or overwritten with `overwrite`
    /// while it was sent: under `PREFIX` (receiver or wire), `intact` (no byte
    /// that arrived differs from the original), `matching_bytes` (bytes before
    /// the first difference), `first_mismatch_kind` (zeros, shifted (stale data
    /// of another offset), new (the overwrite's data), other, short, ...) and
    /// `past_eof_bytes` (bytes beyond the size the file was truncated to).
    mutating func addComparison(_ prefix: String, bytes: UInt64, mismatch: Mismatch?, truncatedTo: UInt64?, overwrite: (any ExpectedContent)?) {
        values["\(prefix).intact"] = .flag(mismatch == nil || mismatch?.kind == .short)
        values["\(prefix).matching_bytes"] = .number(Int64(min(mismatch?.offset ?? bytes, bytes)))
        values["\(prefix).first_mismatch_kind"] = .text(mismatch.map { Self.kind(of: $0, overwrite: overwrite) } ?? "none")
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
        values["receiver.bytes"] = .number(Int64(done?.stream?.bytes ?? 0))
        if let stream = done?.stream {
            values["receiver.matches"] = .flag(stream.matches)
            values["receiver.first_mismatch"] = stream.firstMismatch.map { .number(Int64($0.offset)) } ?? .text("none")
            addComparison("receiver", bytes: stream.bytes, mismatch: stream.firstMismatch, truncatedTo: truncatedTo, overwrite: overwrite)
        }
        addCalls(done?.steps ?? [], actor: "receiver")
    }

    /// The wire verdict. A capture that dropped packets never counts as a match.
    public mutating func addWire(_ wire: WireVerdict, dropped: UInt64, truncatedTo: UInt64? = nil, overwrite: (any ExpectedContent)? = nil) {
        values["wire.status"] = .text(dropped > 0 && wire.status == .pass ? "unverifiable" : wire.status.rawValue)
        values["wire.bytes"] = .number(Int64(wire.bytes))
        values["wire.matches"] = .flag(wire.status == .pass && dropped == 0)
        values["wire.first_mismatch"] = wire.firstMismatch.map { .number(Int64($0.offset)) } ?? .text("none")
        values["wire.gaps"] = .number(Int64(wire.gaps.count))
        values["wire.conflicts"] = .number(Int64(wire.conflicts.count))
        values["wire.retransmitted_bytes"] = .number(Int64(wire.retransmittedBytes))
        values["wire.end"] = .text(wire.rstSeen ? "rst" : wire.finSeen ? "fin" : "none")
        addComparison("wire", bytes: wire.bytes, mismatch: wire.firstMismatch, truncatedTo: truncatedTo, overwrite: overwrite)
    }

    /// The frames one capture side saw of the data direction, under
    /// `frames.SIDE.` (see `ObservationKeys.frameFields`), and whether that
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

    /// Device features a scenario changed, as read back (`features.SIDE.NAME`:
    /// on or off), and whether every changeable feature was back to its
    /// original state afterwards (`features.restored`).
    public mutating func addFeatures(_ changes: [FeatureChange], sides: [String: String], restored: Bool) {
        for change in changes {
            let state = change.after.hasPrefix("on") ? "on" : "off"
            values["features.\(sides[change.interface] ?? change.interface).\(change.feature)"] = .text(state)
        }
        values["features.restored"] = .flag(restored)
    }

    /// What part of the stream the wire check saw: `sequence_covered` (bytes
    /// of sequence space seen, payload kept or not), `gaps` in it, and the
    /// split of the file into bytes verified on the wire and bytes checked
    /// only by the receiver.
    public mutating func addCoverage(_ headers: WireVerdict) {
        values["wire.sequence_covered"] = .number(Int64(headers.bytes + headers.truncatedBytes))
        values["wire.gaps"] = .number(Int64(headers.gaps.count))
        if case .number(let verified)? = values["wire.bytes"] {
            values["wire.verified_bytes"] = .number(verified)
            values["wire.receiver_only_bytes"] = .number(max(0, Int64(headers.expectedBytes) - verified))
        }
    }

    /// A file-to-file copy: bytes, whether the copy equals the source, and
    /// whether the source's holes survived (the copy allocates no more than
    /// the source, give or take 1 MiB).
    public mutating func addCopy(_ report: CopyReport) {
        values["copy.bytes"] = .number(Int64(report.bytes))
        values["copy.error"] = .text(report.error ?? "none")
        values["copy.matches"] = .flag(report.check.matches)
        values["copy.first_mismatch"] = report.check.firstMismatch.map { .number(Int64($0.offset)) } ?? .text("none")
        values["copy.source_allocated_bytes"] = .number(Int64(report.sourceAllocated))
        values["copy.allocated_bytes"] = .number(Int64(report.destinationAllocated))
        values["copy.holes_kept"] = .flag(report.destinationAllocated <= report.sourceAllocated + (1 << 20))
    }

    /// Per-call figures over all of an actor's steps: calls, return total,
    /// smallest and largest return, and the last errno ("none" if no call failed).
    mutating func addCalls(_ steps: [SyscallStep], actor: String) {
        for call in Set(steps.map(\.call)) {
            let mine = steps.filter { $0.call == call }
            let key = "\(actor).\(call)"
            values["\(key).calls"] = .number(Int64(mine.reduce(0) { $0 + $1.calls }))
            let succeeded = mine.filter { $0.returned != nil }
            values["\(key).return_total"] = .number(succeeded.reduce(0) { $0 + $1.returned! })
            if let low = succeeded.compactMap(\.returnMin).min() { values["\(key).return_min"] = .number(low) }
            if let high = succeeded.compactMap(\.returnMax).max() { values["\(key).return_max"] = .number(high) }
            values["\(key).errno"] = .text(mine.last(where: { $0.errno != nil })?.errno ?? "none")
            values["\(key).duration_ms"] = .number(Int64(mine.reduce(0) { $0 + $1.durationNs } / 1_000_000))
        }
    }

    /// Judges each expectation. Wire expectations cannot pass on a capture with drops.
    public func judge(_ expectations: [Expectation], dropped: UInt64) -> [Assertion] {
        expectations.map { expectation in
            let actual = values[expectation.key]
            var ok = actual.map(expectation.matcher.accepts) ?? false
            var note: String?
            if actual == nil { note = "not observed in this run" }
            if expectation.key.hasPrefix("wire.") && dropped > 0 {
                ok = false
                note = "the capture dropped \(dropped) packets: wire checks cannot pass"
            }
            return Assertion(
                what: expectation.key, expected: expectation.matcher.description,
                actual: actual?.description ?? "nothing", ok: ok, note: note)
        }
    }
}
