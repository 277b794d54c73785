#if canImport(Glibc)
import Glibc
#endif
import CZclabLinux

/// SO_ZEROCOPY, then send(2) with MSG_ZEROCOPY from a mapping of the file,
/// reading completions from the socket's error queue as they come; or the
/// scenario's script of steps (`ZerocopyScript.swift`).
struct MsgZerocopyPath: SendPath {
    static let summary = "SO_ZEROCOPY, then send(2) with MSG_ZEROCOPY from a mapping of the file, completions read from the error queue as they come and until all are in; or a script of steps"
    static let blockingCall = "sendto"
    static let syscalls = ["setrlimit", "capset", "setsockopt", "mmap", "send", "socket", "connect", "socketpair", "shutdown", "modify"]
    static let modeled = true
    let options: ZerocopyOptions
    /// Bytes per send (64 KiB by default).
    let chunk: Int
    /// Sends that took an id; nil until the sends are over (or if they failed).
    var sends: UInt32?
    var completions = ZerocopyCompletions()
    /// A script's steps and what each gave.
    var steps: [ZerocopyStepResult]?
    /// The limits pinned pages are charged against.
    var limits: (optmem: String, memlock: String)?
    /// A script's setsockopt(SO_ZEROCOPY): "none", or the errno it failed with.
    var enableError: String?

    init(options: ZerocopyOptions, spec: SenderSpec) {
        self.options = options
        chunk = Int(spec.chunk ?? 64 << 10)
    }

    /// Sends `chunk` bytes a call, reading completions as they come; ENOBUFS
    /// (out of optmem for notifications) waits for completions and tries
    /// again. At the end, waits (up to 10 s) until every send is completed,
    /// since the mapping must outlive the sends.
    mutating func send(_ transfer: Transfer, _ context: inout SendContext) throws(Errno) {
        limits = try Self.limits(options, &context)
        if let steps = options.steps {
            try run(steps, transfer, &context)
            return
        }
        let socket = transfer.socket
        if options.enable {
            try context.log.record("setsockopt", "SO_ZEROCOPY=1") { () throws(Errno) in
                try TCPSocket(descriptor: socket).setOption(level: SOL_SOCKET, name: SO_ZEROCOPY, 1)
                return 0
            }
        }
        guard transfer.size > 0 else { return }
        let mapping = try context.mapWhole(transfer)
        defer { mapping.unmap() }
        let size = Int(transfer.size)
        var position = 0
        var sends: UInt32 = 0
        while position < size {
            let piece = UnsafeRawBufferPointer(rebasing: mapping.bytes[position ..< min(size, position + chunk)])
            guard let moved = try completions.attempt(on: socket, { () throws(Errno) in
                try context.log.record("send", "fd=\(socket.rawValue) len=\(piece.count) flags=MSG_ZEROCOPY") { () throws(Errno) in
                    try socket.send(piece, flags: Int32(MSG_ZEROCOPY))
                }
            }) else { continue }
            sends += 1
            position += moved
            context.sent += UInt64(moved)
            if options.readEvery > 0 && sends % options.readEvery == 0 { try completions.drain(socket) }
        }
        self.sends = sends
        // Without SO_ZEROCOPY the flag is ignored and no completion will come: look once.
        try completions.awaitAll(sends, on: socket, nanoseconds: options.enable ? 10_000_000_000 : 200_000_000)
    }

    var report: SendPathReport? {
        sends.map {
            .zerocopy(ZerocopyReport(sends: $0, notifications: completions.notifications, steps: steps,
                                     optmemMax: limits?.optmem, memlock: limits?.memlock, enableError: enableError))
        }
    }

    /// Sets RLIMIT_MEMLOCK if asked (and drops CAP_IPC_LOCK, which would
    /// bypass it), and reads the limits pinned pages are charged against.
    private static func limits(_ options: ZerocopyOptions, _ context: inout SendContext) throws(Errno) -> (optmem: String, memlock: String) {
        if let bytes = options.memlock {
            try context.log.record("setrlimit", "RLIMIT_MEMLOCK=\(bytes)") { () throws(Errno) in
                var limit = rlimit(rlim_cur: rlim_t(bytes), rlim_max: rlim_t(bytes))
                return try syscall { setrlimit(__rlimit_resource_t(UInt32(zcl_RLIMIT_MEMLOCK)), &limit) }
            }
            try context.log.record("capset", "drop CAP_IPC_LOCK") { () throws(Errno) in try syscall { zcl_drop_capability(14) } }
        }
        var limit = rlimit()
        getrlimit(__rlimit_resource_t(UInt32(zcl_RLIMIT_MEMLOCK)), &limit)
        let memlock = options.memlock == nil ? "ignored (CAP_IPC_LOCK)" : limit.rlim_cur == rlim_t.max ? "unlimited" : "\(limit.rlim_cur)"
        return (firstLine(of: "/proc/sys/net/core/optmem_max") ?? "unknown", memlock)
    }

    /// The first line of a small file such as a sysctl, or nil.
    private static func firstLine(of path: String) -> String? {
        guard let file = try? FileDescriptor.open(path, .readOnly) else { return nil }
        defer { try? file.close() }
        var bytes = [UInt8](repeating: 0, count: 256)
        let count = bytes.withUnsafeMutableBytes { (try? file.read(into: $0)) ?? 0 }
        return String(decoding: bytes.prefix(count), as: UTF8.self).split(separator: "\n").first.map(String.init)
    }
}

/// The MSG_ZEROCOPY sends of a transfer and their completions, in the order read.
public struct ZerocopyReport: Codable, Sendable, Equatable {
    public var sends: UInt32
    public var notifications: [ZerocopyNotification]
    /// A script's steps and what each gave.
    public var steps: [ZerocopyStepResult]?
    /// net.core.optmem_max in the sender's namespace and the sender's
    /// RLIMIT_MEMLOCK ("unlimited", or bytes; "ignored" with CAP_IPC_LOCK).
    public var optmemMax: String?
    public var memlock: String?
    /// A script's setsockopt(SO_ZEROCOPY): "none", or the errno it failed with.
    public var enableError: String?

    enum CodingKeys: String, CodingKey {
        case sends, notifications, steps
        case optmemMax = "optmem_max", memlock, enableError = "enable_errno"
    }

    /// The completions cover ids 0 ..< sends exactly once, in order.
    public var idsComplete: Bool {
        var next: UInt32 = 0
        for notification in notifications {
            guard notification.lo == next, notification.hi >= notification.lo else { return false }
            next = notification.hi &+ 1
        }
        return next == sends
    }
}

/// How a MSG_ZEROCOPY sender treats the error queue.
public struct ZerocopyOptions: SendPathOptions, Equatable {
    /// Set SO_ZEROCOPY first (without it, MSG_ZEROCOPY is ignored).
    public var enable: Bool = true
    /// Read the error queue after every this many sends; 0: only at the end.
    public var readEvery: UInt32 = 1
    /// The socket the sends go on.
    public var socket: SocketKind = .tcp
    /// These steps instead of sending the whole file.
    public var steps: [ZerocopyStep]?
    /// RLIMIT_MEMLOCK to set (soft and hard), dropping CAP_IPC_LOCK so that it counts.
    public var memlock: UInt64?

    public enum SocketKind: String, Codable, Sendable, CaseIterable {
        /// The TCP connection to the receiver.
        case tcp
        /// A UDP socket to another in the sender's namespace (127.0.0.1); the receiver gets nothing.
        case udp
        /// A UDP socket connected to itself: what it sends comes back to be read.
        case udpSelf = "udp-self"
        /// An AF_UNIX stream socketpair: a socket family that refuses SO_ZEROCOPY.
        case unix
        /// A UDP socket to the receiver's address and port across the link,
        /// where the receiver binds a UDP socket it never reads.
        case udpPeer = "udp-peer"
        /// A UDP socket to the receiver's address across the link, on a port
        /// nothing listens on: the datagrams are dropped on arrival.
        case udpPeerClosed = "udp-peer-closed-port"
        /// An AF_INET SOCK_RAW socket (protocol UDP), unconnected.
        case raw
        /// An AF_PACKET SOCK_DGRAM socket, unbound.
        case packet
    }

    public init(enable: Bool = true, readEvery: UInt32 = 1) {
        self.enable = enable
        self.readEvery = readEvery
    }

    /// The `sender:` key they are under.
    public enum Key: String, CaseIterable { case zerocopy }
    enum Field: String, CaseIterable { case enable, readEvery = "read_every", socket, steps, memlock }

    public init() {}

    public init(_ keys: SenderKeys<Key>) throws(ScenarioError) {
        guard let fields = try keys.nested(.zerocopy, Field.self) else { return }
        enable = try fields.bool(.enable) ?? enable
        readEvery = try fields.integer(.readEvery, UInt32(0)...UInt32.max) ?? readEvery
        socket = try fields.choice(.socket, SocketKind.self) ?? socket
        memlock = try fields.bytes(.memlock)
        steps = try fields[.steps].map { (node) throws(ScenarioError) in try keys.reader.zerocopySteps(node) }
        if socket != .tcp && steps == nil { throw keys.error(.zerocopy, "a UDP socket needs steps (the whole-file transfer is TCP)") }
    }

    enum CodingKeys: String, CodingKey {
        case enable, readEvery = "read_every", socket, steps, memlock
    }
}
