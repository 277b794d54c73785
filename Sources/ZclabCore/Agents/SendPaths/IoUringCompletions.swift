#if canImport(Glibc)
import Glibc
#endif

/// What the completions of an io_uring zero-copy sender (SEND_ZC or SENDMSG_ZC) showed.
public struct IoUringReport: Codable, Sendable, Equatable {
    /// One completion as reaped.
    public struct Completion: Codable, Sendable, Equatable {
        /// The request's number: 0, 1, ... for the transfer's sends, -1 for the misuse.
        public var request: Int
        /// Bytes sent, or an errno name, for a result; for a notification its
        /// result word (with `reportUsage`, "copied" or "zerocopy").
        public var result: String
        public var flags: String
    }

    /// SEND_ZC requests of the transfer.
    public var sends = 0
    /// Results shorter than asked.
    public var shortSends = 0
    public var notifications = 0
    /// Notifications saying IORING_NOTIF_USAGE_ZC_COPIED.
    public var copiedNotifications = 0
    /// Every result with F_MORE was followed, later, by exactly one
    /// notification of its request, and no notification came otherwise.
    public var pairsComplete = false
    /// The first failed result's errno name, or nil.
    public var firstError: String?
    /// The misuse request's result (an errno name) and whether it said
    /// F_MORE and got a notification.
    public var misuseResult: String?
    public var misuseMore: Bool?
    public var misuseNotification: Bool?
    /// The first completions in the order reaped (at most `keptCompletions`).
    public var completions: [Completion] = []

    static let keptCompletions = 256

    enum CodingKeys: String, CodingKey {
        case sends, notifications, completions
        case shortSends = "short_sends", copiedNotifications = "copied_notifications", pairsComplete = "pairs_complete"
        case firstError = "first_error", misuseResult = "misuse_result", misuseMore = "misuse_more"
        case misuseNotification = "misuse_notification"
    }
}

/// Completions reaped so far, and the pairing of results with notifications.
struct IoUringLedger {
    var report = IoUringReport()
    /// Requests whose result said F_MORE and whose notification has not come.
    var awaiting: Set<UInt64> = []
    var results: [UInt64: IoUringCompletion] = [:]
    var pairingBroken = false
    let reportUsage: Bool

    static let misuseRequest = UInt64.max

    mutating func add(_ completion: IoUringCompletion) {
        let request = completion.userData == Self.misuseRequest ? -1 : Int(completion.userData)
        if completion.flags.contains(.notification) {
            if awaiting.remove(completion.userData) == nil { pairingBroken = true }
            if request >= 0 {
                report.notifications += 1
                if completion.saysCopied { report.copiedNotifications += 1 }
            } else {
                report.misuseNotification = true
            }
        } else {
            if results[completion.userData] != nil { pairingBroken = true }
            results[completion.userData] = completion
            if completion.flags.contains(.more) { awaiting.insert(completion.userData) }
            if request < 0 {
                report.misuseResult = completion.result < 0 ? Errno(-completion.result).name : "\(completion.result)"
                report.misuseMore = completion.flags.contains(.more)
                report.misuseNotification = report.misuseNotification ?? false
            } else if completion.result < 0 && report.firstError == nil {
                report.firstError = Errno(-completion.result).name
            }
        }
        if report.completions.count < IoUringReport.keptCompletions {
            let result: String
            if completion.flags.contains(.notification) {
                result = reportUsage ? (completion.saysCopied ? "copied" : "zerocopy") : "\(completion.result)"
            } else {
                result = completion.result < 0 ? Errno(-completion.result).name : "\(completion.result)"
            }
            report.completions.append(.init(request: request, result: result, flags: completion.flags.names))
        }
    }

    func finish() -> IoUringReport {
        var done = report
        done.pairsComplete = !pairingBroken && awaiting.isEmpty
        return done
    }

    /// Reaps completions until the result of `request` comes; returns the
    /// bytes it sent, or throws its errno (ETIME after 10 s of nothing).
    mutating func awaitResult(of request: UInt64, on ring: IoUringRing) throws(Errno) -> Int {
        while true {
            guard let completion = try ring.nextCompletion(milliseconds: 10_000) else { throw Errno(ETIME) }
            add(completion)
            if completion.userData == request && !completion.flags.contains(.notification) {
                guard completion.result >= 0 else { throw Errno(-completion.result) }
                return Int(completion.result)
            }
        }
    }

    /// Reaps completions until no notification is awaited, or for at most `milliseconds`.
    mutating func reapNotifications(_ ring: IoUringRing, milliseconds: Int) throws(Errno) {
        let deadline = monotonicNanoseconds() + UInt64(milliseconds) * 1_000_000
        while monotonicNanoseconds() < deadline {
            if awaiting.isEmpty && milliseconds > 1000 { return }
            guard let completion = try ring.nextCompletion(milliseconds: 50) else { continue }
            add(completion)
        }
    }
}
