import Foundation

/// What the sender agent did: `sender.*`, its lease, a sendfile script's calls, and io_uring's `uring.*`.
extension Observations {
    /// The sender's fate, totals and per-call figures.
    public mutating func addSender(termination: Termination, done: AgentOutcome?, blockedIn: String?) {
        let result = done?.sender
        switch termination {
        case .exited(let code): self[SenderObservation.exit] = .number(Int64(code))
        case .signaled(let signal): self[SenderObservation.exit] = .text(signalName(signal))
        }
        self[SenderObservation.bytes] = .number(Int64(result?.bytes ?? 0))
        let steps = done?.steps ?? []
        // Only an errno that ended the sending counts; one it retried past (EINTR, ENOBUFS) does not.
        let stopped = result?.failure != nil
        self[SenderObservation.error] = .text(stopped ? steps.last(where: { $0.errno != nil })?.errno ?? "none" : "none")
        self[SenderObservation.blockedIn] = .text(blockedIn ?? "none")
        let signals = result?.signals ?? []
        self[SenderObservation.signal] = .text(signals.first?.signal ?? "none")
        self[SenderObservation.signalCode] = .text(signals.first?.code ?? "none")
        self[SenderObservation.faultOffset] = signals.first?.fileOffset.map { .number(Int64($0)) } ?? .text("none")
        if let lease = result?.lease {
            self[SenderObservation.leaseSet] = .text(lease.set)
            self[SenderObservation.leaseBefore] = .text(lease.before?.rawValue ?? "none")
            self[SenderObservation.leaseAfter] = .text(lease.after?.rawValue ?? "none")
            let breakSignal = signals.first { $0.leaseInHandler != nil }
            self[SenderObservation.signalFdIsLease] = .flag(breakSignal?.fd == lease.descriptor)
            self[SenderObservation.signalBand] = breakSignal?.band.map { .number(Int64($0)) } ?? .text("none")
            self[SenderObservation.leaseInHandler] = .text(breakSignal?.leaseInHandler?.rawValue ?? "none")
            self[SenderObservation.handlerAction] = .text(breakSignal?.handlerAction ?? "none")
            if let signal = lease.signalOnDup { self[SenderObservation.signalOnDup] = .text(signal) }
        }
        if let zerocopy = result?.zerocopy { addZerocopy(zerocopy) }
        if let uring = result?.uring {
            self[UringObservation.sends] = .number(Int64(uring.sends))
            self[UringObservation.shortSends] = .number(Int64(uring.shortSends))
            self[UringObservation.notifications] = .number(Int64(uring.notifications))
            self[UringObservation.copiedNotifications] = .number(Int64(uring.copiedNotifications))
            self[UringObservation.zerocopyNotifications] = .number(Int64(uring.notifications - uring.copiedNotifications))
            self[UringObservation.pairsComplete] = .flag(uring.pairsComplete)
            self[UringObservation.firstError] = .text(uring.firstError ?? "none")
            self[UringObservation.misuseResult] = .text(uring.misuseResult ?? "none")
            self[UringObservation.misuseMore] = uring.misuseMore.map { .flag($0) } ?? .text("none")
            self[UringObservation.misuseNotification] = uring.misuseNotification.map { .flag($0) } ?? .text("none")
        }
        for (index, result) in (result?.script ?? []).enumerated() {
            let key = "sender.script.\(index + 1)"
            values["\(key).return"] = result.returned.map { .number($0) } ?? .text("error")
            values["\(key).errno"] = .text(result.errno ?? "none")
            values["\(key).offset_after"] = .number(result.offsetAfter)
        }
        addCalls(steps, actor: "sender")
    }
}

public enum SenderObservation: String, ObservationGroup {
    case exit = "sender.exit"
    case bytes = "sender.bytes"
    case error = "sender.error"
    case blockedIn = "sender.blocked_in"
    case signal = "sender.signal"
    case signalCode = "sender.signal_code"
    case faultOffset = "sender.fault_offset"
    case leaseSet = "sender.lease_set"
    case leaseBefore = "sender.lease_before"
    case leaseAfter = "sender.lease_after"
    case leaseInHandler = "sender.lease_in_handler"
    case handlerAction = "sender.handler_action"
    case signalFdIsLease = "sender.signal_fd_is_lease"
    case signalBand = "sender.signal_band"
    case signalOnDup = "sender.getsig_on_dup"

    public var declaration: (type: ValueType, meaning: String) {
        switch self {
        case .exit: (ValueType(.number, .signal), "the sender agent's exit status, or the signal that killed it (SIGBUS)")
        case .bytes: (ValueType.number, "bytes the sender's send calls reported as sent")
        case .error: (ValueType.errnoOrNone, "errno name of the call that stopped the sender, or none (errnos it retried past do not count)")
        case .blockedIn: (ValueType.text, "the syscall the sender was observed blocked in, or none")
        case .signal: (ValueType.signalOrNone, "the first signal the sender received (SIGBUS, SIGPIPE), or none")
        case .signalCode: (ValueType.text, "its si_code (BUS_ADRERR), or none")
        case .faultOffset: (ValueType.numberOrNone, "the file offset of its si_addr inside the sender's mapping, or none")
        case .leaseSet: (ValueType(.errno, .words(["ok"])), "ok, or the errno F_SETLEASE failed with")
        case .leaseBefore: (ObservationKeys.leaseState, "F_GETLEASE right after taking the lease (F_RDLCK, F_WRLCK, F_UNLCK)")
        case .leaseAfter: (ObservationKeys.leaseState, "F_GETLEASE after the transfer")
        case .leaseInHandler: (ObservationKeys.leaseState, "F_GETLEASE in the break signal's handler, before it acted, or none")
        case .handlerAction: (ValueType(.errno, .words(["ok", "none"])), "what the handler's F_SETLEASE gave (ok or errno), or none")
        case .signalFdIsLease: (ValueType.flag, "the break signal's si_fd is the lease's descriptor")
        case .signalBand: (ValueType.numberOrNone, "the break signal's si_band, or none")
        case .signalOnDup: (ValueType.signalOrNone, "F_GETSIG on a dup(2) of the lease's descriptor (lease getsig_on_dup), none for 0 (no F_SETSIG)")
        }
    }
}

public enum UringObservation: String, ObservationGroup {
    case sends = "uring.sends"
    case shortSends = "uring.short_sends"
    case notifications = "uring.notifications"
    case copiedNotifications = "uring.copied_notifications"
    case zerocopyNotifications = "uring.zerocopy_notifications"
    case pairsComplete = "uring.pairs_complete"
    case firstError = "uring.first_error"
    case misuseResult = "uring.misuse_result"
    case misuseMore = "uring.misuse_more"
    case misuseNotification = "uring.misuse_notification"

    public var declaration: (type: ValueType, meaning: String) {
        switch self {
        case .sends: (ValueType.number, "io_uring SEND_ZC requests of the transfer")
        case .shortSends: (ValueType.number, "of those, results shorter than asked")
        case .notifications: (ValueType.number, "notification completions (IORING_CQE_F_NOTIF) of the transfer's requests")
        case .copiedNotifications: (ValueType.number, "notifications saying IORING_NOTIF_USAGE_ZC_COPIED (with report_usage)")
        case .zerocopyNotifications: (ValueType.number, "notifications not saying so")
        case .pairsComplete: (ValueType.flag, "every result with F_MORE was followed by exactly one notification of its request, and no other came")
        case .firstError: (ValueType.errnoOrNone, "errno name of the first failed result, or none")
        case .misuseResult: (ValueType(.errno, .text), "the misuse request's result: an errno name, its result as quoted text (\"0\") if it did not fail, or none")
        case .misuseMore: (ValueType.flagOrNone, "whether that result said F_MORE (a notification to follow)")
        case .misuseNotification: (ValueType.flagOrNone, "whether a notification came for it")
        }
    }
}

extension ObservationKeys {
    /// `sender.script.N.FIELD`: what call N of a sendfile script gave.
    public static let scriptKeys: [ObservationKey] = [
        ("return", ValueType(.number, .words(["error"])), "the call's result, or error"),
        ("errno", .errnoOrNone, "its errno, or none"),
        ("offset_after", .number, "the file offset after it"),
    ].map { field, type, meaning in ObservationKey([.word("sender"), .word("script"), .index, .word(field)], type, meaning) }
}
