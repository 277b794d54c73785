import Foundation

/// MSG_ZEROCOPY ids and completions (`zerocopy.*`), a script's steps, and the reference model's verdict (`model.*`).
extension Observations {
    /// MSG_ZEROCOPY ids and completions (`zerocopy.*`), from the kernel or the model.
    public mutating func addZerocopy(_ zerocopy: ZerocopyReport) {
        self[ZerocopyObservation.sends] = .number(Int64(zerocopy.sends))
        self[ZerocopyObservation.notifications] = .number(Int64(zerocopy.notifications.count))
        self[ZerocopyObservation.idsComplete] = .flag(zerocopy.idsComplete)
        self[ZerocopyObservation.firstId] = zerocopy.notifications.first.map { .number(Int64($0.lo)) } ?? .text("none")
        self[ZerocopyObservation.copiedNotifications] = .number(Int64(zerocopy.notifications.filter { $0.code == .copied }.count))
        self[ZerocopyObservation.zerocopyNotifications] = .number(Int64(zerocopy.notifications.filter { $0.code == .zerocopy }.count))
        for (key, limit) in [("zerocopy.optmem_max", zerocopy.optmemMax), ("zerocopy.memlock", zerocopy.memlock)] {
            values[key] = limit.flatMap { Int64($0) }.map { .number($0) } ?? .text(limit ?? "unknown")
        }
        if let error = zerocopy.enableError { self[ZerocopyObservation.enableErrno] = .text(error) }
        self[ZerocopyObservation.ranges] = .text(zerocopy.notifications.isEmpty ? "none" : zerocopy.notifications.map { "\($0.lo)-\($0.hi)" }.joined(separator: " "))
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
        self[ModelObservation.agrees] = .flag(comparison.agrees)
        self[ModelObservation.idsAgree] = .flag(comparison.coverage.isEmpty)
        self[ModelObservation.codesAgree] = .flag(comparison.codes.isEmpty)
        self[ModelObservation.splitsAgree] = .flag(comparison.splits.isEmpty)
    }
}

public enum ZerocopyObservation: String, ObservationGroup {
    case sends = "zerocopy.sends"
    case notifications = "zerocopy.notifications"
    case idsComplete = "zerocopy.ids_complete"
    case firstId = "zerocopy.first_id"
    case copiedNotifications = "zerocopy.copied_notifications"
    case zerocopyNotifications = "zerocopy.zerocopy_notifications"
    case ranges = "zerocopy.ranges"
    case enableErrno = "zerocopy.enable_errno"
    case optmemMax = "zerocopy.optmem_max"
    case memlock = "zerocopy.memlock"

    public var declaration: (type: ValueType, meaning: String) {
        switch self {
        case .sends: (ValueType.number, "send(2) calls with MSG_ZEROCOPY that succeeded (each takes an id)")
        case .notifications: (ValueType.number, "completions read from the error queue (each a range of ids)")
        case .idsComplete: (ValueType.flag, "the completions cover ids 0 to sends-1 exactly once, in order")
        case .firstId: (ValueType.numberOrNone, "the lowest id completed first, or none")
        case .copiedNotifications: (ValueType.number, "completions with SO_EE_CODE_ZEROCOPY_COPIED: the kernel copied after all")
        case .zerocopyNotifications: (ValueType.number, "completions without it: sent from the pages as they were")
        case .ranges: (ValueType.text, "the completions' id ranges in the order read, \"lo-hi\" space-separated")
        case .enableErrno: (ValueType.errnoOrNone, "what a script's setsockopt(SO_ZEROCOPY) gave: none, or the errno (a socket type that refuses it)")
        case .optmemMax: (ValueType(.number, .text), "net.core.optmem_max in the sender's namespace")
        case .memlock: (ValueType(.number, .text), "the sender's RLIMIT_MEMLOCK (\"ignored (CAP_IPC_LOCK)\" unless the scenario sets memlock)")
        }
    }
}

public enum ModelObservation: String, ObservationGroup {
    case agrees = "model.agrees"
    case idsAgree = "model.ids_agree"
    case codesAgree = "model.codes_agree"
    case splitsAgree = "model.splits_agree"

    public var declaration: (type: ValueType, meaning: String) {
        switch self {
        case .agrees: (ValueType.flag, "the kernel's MSG_ZEROCOPY completions are exactly those the model predicts")
        case .idsAgree: (ValueType.flag, "both cover the same ids, once each, in order (a difference is a finding)")
        case .codesAgree: (ValueType.flag, "both say copied or not alike for every id")
        case .splitsAgree: (ValueType.flag, "both split the ids into the same ranges (coalescing follows completion timing)")
        }
    }
}

extension ObservationKeys {
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
}
