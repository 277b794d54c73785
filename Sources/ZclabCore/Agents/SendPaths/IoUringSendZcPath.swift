#if canImport(Glibc)
import Glibc
#endif

/// How an io-uring-send-zc sender makes its requests.
public struct IoUringSendOptions: SendPathOptions, Equatable {
    /// IORING_SEND_ZC_REPORT_USAGE: each notification says whether the data was copied.
    public var reportUsage = true
    /// Send from a registered (fixed) buffer: the file's mapping, registered whole.
    public var fixedBuffer = false
    /// MSG_WAITALL on each send: no short results on a stream socket.
    public var waitAll = false
    /// Before the transfer, one request apart from it (a misuse, or another
    /// socket), to see what its result says and whether a notification follows.
    public var misuse: Misuse?

    public enum Misuse: String, Codable, Sendable, CaseIterable {
        /// SEND_ZC flags with a bit the kernel does not know (1 << 7).
        case badFlag = "bad-flag"
        /// SEND_ZC on the test file's descriptor, which is not a socket.
        case notSocket = "not-a-socket"
        /// SEND_ZC of zero bytes on the connection.
        case zeroLength = "zero-length"
        /// SEND_ZC of 4 KiB on a UDP socket to another of the sender's namespace.
        case udp
        /// SEND_ZC of 4 KiB on an AF_UNIX stream socket.
        case unix
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

    /// The `sender:` key they are under.
    public enum Key: String, CaseIterable { case ioUring = "io_uring" }
    enum Field: String, CaseIterable { case reportUsage = "report_usage", fixedBuffer = "fixed_buffer", waitAll = "wait_all", misuse }

    public init() {}

    public init(_ keys: SenderKeys<Key>) throws(ScenarioError) {
        guard let fields = try keys.nested(.ioUring, Field.self) else { return }
        reportUsage = try fields.bool(.reportUsage) ?? reportUsage
        fixedBuffer = try fields.bool(.fixedBuffer) ?? fixedBuffer
        waitAll = try fields.bool(.waitAll) ?? waitAll
        misuse = try fields.choice(.misuse, Misuse.self)
    }
}

/// IORING_OP_SEND_ZC of the file's mapping, `chunk` bytes a request, one
/// request in flight: each result is awaited before the next send (the
/// notifications come when they come), then every notification.
struct IoUringSendZcPath: SendPath {
    static let summary = "io_uring IORING_OP_SEND_ZC of the file's mapping through liburing, 64 KiB a request, one in flight, each result and notification paired"
    static let blockingCall = "io_uring_enter"
    static let syscalls = ["io_uring_setup", "mmap", "io_uring_register", "pread", "send_zc"]
    static func ioUringRequests(_ options: IoUringSendOptions) -> [IoUringRing.Request] {
        [.init(.sendZerocopy, flags: options.reportUsage ? .reportUsage : [])]
    }
    let options: IoUringSendOptions
    /// Bytes per request (64 KiB by default).
    let chunk: Int
    /// Every completion, in the order reaped; nil until the ring exists.
    private var completions: IoUringReport?

    init(options: IoUringSendOptions, spec: SenderSpec) {
        self.options = options
        chunk = Int(spec.chunk ?? 64 << 10)
    }

    var report: SendPathReport? { completions.map { .uring($0) } }

    mutating func send(_ transfer: Transfer, _ context: inout SendContext) throws(Errno) {
        let (file, size, socket) = (transfer.file, transfer.size, transfer.socket)
        let ring = try context.log.record("io_uring_setup", "entries=64", returnValue: { _ in 0 }) { () throws(Errno) in
            try IoUringRing(entries: 64)
        }
        var ledger = IoUringLedger(reportUsage: options.reportUsage)
        defer { completions = ledger.finish() }
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
            let page = UnsafeRawBufferPointer(rebasing: source[0 ..< min(Int(size), 4096)])
            let (target, badFlags, piece): (Int32, IoUringRing.SendZerocopyFlags, UnsafeRawBufferPointer) = switch misuse {
            case .badFlag: (socket.rawValue, IoUringRing.SendZerocopyFlags(rawValue: flags.rawValue | 1 << 7), page)
            case .notSocket: (file.rawValue, flags, page)
            case .zeroLength: (socket.rawValue, flags, UnsafeRawBufferPointer(rebasing: page[0 ..< 0]))
            case .udp: (try SideSockets.udp(toItself: false, &context).rawValue, flags, page)
            case .unix: (try SideSockets.unix(&context).rawValue, flags, page)
            }
            // A side socket stays open while its request may still hold the pages.
            if [.udp, .unix].contains(misuse) { context.keptOpen.append(FileDescriptor(rawValue: target)) }
            _ = try? context.log.record("send_zc", "fd=\(target) len=\(piece.count) zc_flags=\(badFlags.rawValue) (\(misuse.rawValue))") {
                () throws(Errno) in
                try ring.sendZerocopy(piece, on: target, messageFlags: messageFlags, options: badFlags, userData: IoUringLedger.misuseRequest)
                return try ledger.awaitResult(of: IoUringLedger.misuseRequest, on: ring)
            }
            // A notification, if one comes, is quick; look for 200 ms.
            try ledger.reapNotifications(ring, milliseconds: 200)
        }
        do {
            var position = 0
            var request: UInt64 = 0
            while position < Int(size) {
                let piece = UnsafeRawBufferPointer(rebasing: source[position ..< min(Int(size), position + chunk)])
                let moved = try context.log.record(
                    "send_zc", "fd=\(socket.rawValue) len=\(piece.count) zc_flags=\(flags.rawValue)\(options.fixedBuffer ? " fixed" : "")"
                ) { () throws(Errno) in
                    try ring.sendZerocopy(piece, on: socket.rawValue, messageFlags: messageFlags, options: flags,
                                          fixedBuffer: options.fixedBuffer, userData: request)
                    return try ledger.awaitResult(of: request, on: ring)
                }
                ledger.report.sends += 1
                if moved < piece.count { ledger.report.shortSends += 1 }
                request += 1
                position += moved
                context.sent += UInt64(moved)
            }
        } catch {
            try? ledger.reapNotifications(ring, milliseconds: 10_000)  // the requests made still hold the pages
            throw error
        }
        try ledger.reapNotifications(ring, milliseconds: 10_000)
    }
}
