#if canImport(Glibc)
import Glibc
#endif

/// How an io-uring-send-zc sender makes its requests.
public struct IoUringSendOptions: Codable, Sendable, Equatable {
    /// IORING_SEND_ZC_REPORT_USAGE: each notification says whether the data was copied.
    public var reportUsage = true
    /// Send from a registered (fixed) buffer: the file's mapping, registered whole.
    public var fixedBuffer = false
    /// MSG_WAITALL on each send: no short results on a stream socket.
    public var waitAll = false
    /// Before the transfer, one request that must fail, to see whether a notification follows it.
    public var misuse: Misuse?

    public enum Misuse: String, Codable, Sendable, CaseIterable {
        /// SEND_ZC flags with a bit the kernel does not know (1 << 7).
        case badFlag = "bad-flag"
        /// SEND_ZC on the test file's descriptor, which is not a socket.
        case notSocket = "not-a-socket"
    }

    public init(reportUsage: Bool = true, fixedBuffer: Bool = false, waitAll: Bool = false, misuse: Misuse? = nil) {
        self.reportUsage = reportUsage
        self.fixedBuffer = fixedBuffer
        self.waitAll = waitAll
        self.misuse = misuse
    }

    enum CodingKeys: String, CodingKey {
        case reportUsage = "report_usage", fixedBuffer = "fixed_buffer", waitAll = "wait_all", misuse
    }
}

/// What an io-uring-send-zc sender's completions showed.
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
}

/// IORING_OP_SEND_ZC of the file's mapping, `chunk` bytes a request, one
/// request in flight: each result is awaited before the next send (the
/// notifications come when they come), then every notification.
struct IoUringSendZcPath: SendPath {
    static let blockingCall = "io_uring_enter"
    let options: IoUringSendOptions
    /// Bytes per request (64 KiB by default).
    let chunk: Int
    /// Every completion, in the order reaped; nil until the ring exists.
    private var report: IoUringReport?

    init(spec: SenderSpec) {
        options = spec.uring ?? IoUringSendOptions()
        chunk = Int(spec.chunk ?? 64 << 10)
    }

    func report(into done: inout AgentEvent) { done.uring = report }

    mutating func send(_ transfer: Transfer, _ context: inout SendContext) throws(Errno) {
        let (file, size, socket) = (transfer.file, transfer.size, transfer.socket)
        let ring = try context.log.record("io_uring_setup", "entries=64", returnValue: { _ in 0 }) { () throws(Errno) in
            try IoUringRing(entries: 64)
        }
        var ledger = IoUringLedger(reportUsage: options.reportUsage)
        defer { report = ledger.finish() }
        guard size > 0 else { return }
        let mapping = try context.mapWhole(transfer)
        defer { mapping.unmap() }
        // A registered buffer must be anonymous memory: registering the
        // file's (tmpfs) mapping is refused (EFAULT on 6.18), which is logged;
        // then the file is read into a heap buffer that is registered instead.
        var source = mapping.bytes
        var copy: UnsafeMutableRawBufferPointer?
        defer { copy?.deallocate() }
        if options.fixedBuffer {
            do {
                try context.log.record("io_uring_register", "IORING_REGISTER_BUFFERS file mapping length=\(size)") { () throws(Errno) in
                    try ring.registerBuffer(mapping.bytes)
                    return 0
                }
            } catch {
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Int(size), alignment: 4096)
                copy = buffer
                try context.log.record("pread", "fd=\(file.rawValue) len=\(buffer.count) offset=0 (the whole file)") { () throws(Errno) in
                    try file.readAll(into: buffer)
                    return buffer.count
                }
                try context.log.record("io_uring_register", "IORING_REGISTER_BUFFERS heap buffer length=\(size)") { () throws(Errno) in
                    try ring.registerBuffer(UnsafeRawBufferPointer(buffer))
                    return 0
                }
                source = UnsafeRawBufferPointer(buffer)
            }
        }
        let flags: IoUringRing.SendZerocopyFlags = options.reportUsage ? .reportUsage : []
        let messageFlags = options.waitAll ? Int32(MSG_WAITALL) : 0
        if let misuse = options.misuse {
            let piece = UnsafeRawBufferPointer(rebasing: source[0 ..< min(Int(size), 4096)])
            let (target, badFlags) = misuse == .badFlag
                ? (socket.rawValue, IoUringRing.SendZerocopyFlags(rawValue: flags.rawValue | 1 << 7)) : (file.rawValue, flags)
            _ = try? context.log.record("send_zc", "fd=\(target) len=\(piece.count) zc_flags=\(badFlags.rawValue) (\(misuse.rawValue))") {
                () throws(Errno) in
                try Self.sendZerocopy(piece, on: target, ring: ring, flags: badFlags, messageFlags: messageFlags, fixed: false,
                                 request: IoUringLedger.misuseRequest, ledger: &ledger)
            }
            // A notification, if one comes, is quick; look for 200 ms.
            try Self.reapNotifications(ring, ledger: &ledger, milliseconds: 200)
        }
        var position = 0
        var request: UInt64 = 0
        while position < Int(size) {
            let piece = UnsafeRawBufferPointer(rebasing: source[position ..< min(Int(size), position + chunk)])
            let moved = try context.log.record(
                "send_zc", "fd=\(socket.rawValue) len=\(piece.count) zc_flags=\(flags.rawValue)\(options.fixedBuffer ? " fixed" : "")"
            ) { () throws(Errno) in
                try Self.sendZerocopy(piece, on: socket.rawValue, ring: ring, flags: flags, messageFlags: messageFlags,
                                 fixed: options.fixedBuffer, request: request, ledger: &ledger)
            }
            ledger.report.sends += 1
            if moved < piece.count { ledger.report.shortSends += 1 }
            request += 1
            position += moved
            context.sent += UInt64(moved)
        }
        try Self.reapNotifications(ring, ledger: &ledger, milliseconds: 10_000)
    }

    /// Submits one SEND_ZC and reaps completions until its result comes;
    /// returns the bytes sent, or throws the result's errno.
    private static func sendZerocopy(
        _ piece: UnsafeRawBufferPointer, on descriptor: Int32, ring: IoUringRing, flags: IoUringRing.SendZerocopyFlags,
        messageFlags: Int32, fixed: Bool, request: UInt64, ledger: inout IoUringLedger
    ) throws(Errno) -> Int {
        try ring.sendZerocopy(piece, on: descriptor, messageFlags: messageFlags, options: flags, fixedBuffer: fixed, userData: request)
        while true {
            guard let completion = try ring.nextCompletion(milliseconds: 10_000) else { throw Errno(ETIME) }
            ledger.add(completion)
            if completion.userData == request && !completion.flags.contains(.notification) {
                guard completion.result >= 0 else { throw Errno(-completion.result) }
                return Int(completion.result)
            }
        }
    }

    /// Reaps completions until no notification is awaited, or for at most `milliseconds`.
    private static func reapNotifications(_ ring: IoUringRing, ledger: inout IoUringLedger, milliseconds: Int) throws(Errno) {
        let deadline = monotonicNanoseconds() + UInt64(milliseconds) * 1_000_000
        while monotonicNanoseconds() < deadline {
            if ledger.awaiting.isEmpty && milliseconds > 1000 { return }
            guard let completion = try ring.nextCompletion(milliseconds: 50) else { continue }
            ledger.add(completion)
        }
    }
}
