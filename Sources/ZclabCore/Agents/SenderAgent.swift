#if canImport(Glibc)
import Glibc
#endif
import CZclabLinux

/// What a sender agent is told to do: where to send, which file, and how
/// (the scenario's `SenderSpec`, whose fields read as the config's own).
@dynamicMemberLookup
public struct SenderConfig: Codable, Sendable {
    public var host: String
    public var port: UInt16
    public var path: String
    public var spec: SenderSpec

    public subscript<T>(dynamicMember field: KeyPath<SenderSpec, T>) -> T { spec[keyPath: field] }
}

/// The seed articles' way to put a header in front of a file: a small
/// send(2) of the header, then the file by the sender's method, with TCP_CORK
/// around both, MSG_MORE on the header, or TCP_NODELAY. The header is the
/// file's first `header` bytes, so the stream is those bytes, then the file.
public struct HeaderFraming: Codable, Sendable, Equatable {
    /// Bytes of header.
    public var header: UInt64
    /// TCP_CORK on before the header, off after the file (which flushes).
    public var cork: Bool
    /// MSG_MORE on the header's send.
    public var more: Bool
    /// TCP_NODELAY on the socket (Nagle off).
    public var nodelay: Bool

    public init(header: UInt64, cork: Bool = false, more: Bool = false, nodelay: Bool = false) {
        self.header = header
        self.cork = cork
        self.more = more
        self.nodelay = nodelay
    }

    /// The ranges of the file the stream carries: the header, then the file.
    public func sentRanges(fileSize: UInt64) -> [ByteRange] {
        [ByteRange(lower: 0, upper: header), ByteRange(lower: 0, upper: fileSize)]
    }

    /// "200-byte header, TCP_CORK, MSG_MORE, TCP_NODELAY" (only what is set).
    public var summary: String {
        (["\(header)-byte header"] + [(cork, "TCP_CORK"), (more, "MSG_MORE"), (nodelay, "TCP_NODELAY")]
            .filter(\.0).map(\.1)).joined(separator: ", ")
    }
}

/// The sending actor: connects to the receiver and sends the test file by the
/// configured method, logging every syscall. Runs in the sender namespace as
/// `zclab agent sender`.
public struct SenderAgent {
    let config: SenderConfig
    var log = SyscallLog(actor: "sender")
    var channel: AgentChannel
    /// Descriptors kept open for the lease experiments.
    var extraDescriptors: [FileDescriptor] = []
    var currentSocket: FileDescriptor?
    /// What each scripted call gave.
    var scriptResults: [ScriptedCall.Result] = []
    /// MSG_ZEROCOPY: sends made and the completions read.
    var zerocopySends: UInt32?
    var notifications: [ZerocopyNotification] = []
    /// io-uring-send-zc: every completion, in the order reaped.
    var uringReport: IoUringReport?
    /// MSG_ZEROCOPY script: what each step gave; the limits in effect.
    var zerocopySteps: [ZerocopyStepResult]?
    var zerocopyLimits: (optmem: String, memlock: String)?
    /// The errno setsockopt(SO_ZEROCOPY) failed with in a script, or "none".
    var zerocopyEnableError: String?

    public init(config: SenderConfig, channel: AgentChannel) {
        self.config = config
        self.channel = channel
    }

    public mutating func run() -> Never {
        // Record, rather than suffer, SIGPIPE (as servers ignore it, so a reset
        // peer is EPIPE), and record SIGBUS/SIGSEGV before dying of them.
        do {
            try SignalRecorder.install([SIGPIPE, SIGBUS, SIGSEGV], restart: true)
        } catch {
            channel.fail("sender: installing signal handlers: \(error)")
        }
        var sent: UInt64 = 0
        var failure: String?
        var lease: (report: LeaseReport, descriptor: FileDescriptor)?
        do {
            let socket = try connect()
            currentSocket = socket.descriptor
            channel.send(AgentEvent(.connected))
            let writable = config.lease?.openForWriting == true
            let file = try log.record("open", "path=\(config.path) flags=\(writable ? "O_RDWR" : "O_RDONLY")") { () throws(Errno) in
                try FileDescriptor.open(config.path, writable ? .readWrite : .readOnly).rawValue
            }
            if let spec = config.lease {
                lease = try takeLease(spec, file: FileDescriptor(rawValue: file))
            }
            let size = UInt64(try FileDescriptor(rawValue: file).size())
            defer { if let held = lease { lease?.report.after = try? held.descriptor.lease() } }
            if let framing = config.framing { try sendHeader(framing, from: FileDescriptor(rawValue: file), to: socket) }
            try send(from: FileDescriptor(rawValue: file), size: size, to: socket.descriptor, sent: &sent)
            if config.framing?.cork == true { try setCork(false, on: socket) }
            try log.record("shutdown", "fd=\(socket.descriptor.rawValue) how=SHUT_WR") { () throws(Errno) in
                try socket.shutdownWrite()
                return 0
            }
        } catch {
            failure = error.description  // the errno is in the last step
        }
        var done = AgentEvent(.done)
        done.bytes = sent
        done.steps = log.steps
        done.signals = SignalRecorder.records(mapping: currentMapping?.bytes, mappingOffset: currentMappingOffset)
        done.lease = lease?.report
        done.script = config.script == nil ? nil : scriptResults
        done.zerocopy = zerocopySends.map {
            ZerocopyReport(sends: $0, notifications: notifications, steps: zerocopySteps,
                           optmemMax: zerocopyLimits?.optmem, memlock: zerocopyLimits?.memlock, enableError: zerocopyEnableError)
        }
        done.uring = uringReport
        done.message = failure
        channel.send(done)
        exit(0)
    }

    private mutating func connect() throws(Errno) -> TCPSocket {
        let target = SocketAddress(host: config.host, port: config.port)
        let socket = try TCPSocket(for: target)
        if let size = config.sendBuffer {
            try log.record("setsockopt", "SO_SNDBUF=\(size)") { () throws(Errno) in
                try socket.setOption(level: SOL_SOCKET, name: SO_SNDBUF, size)
                return 0
            }
        }
        if config.framing?.nodelay == true {
            try log.record("setsockopt", "TCP_NODELAY=1") { () throws(Errno) in
                try socket.setOption(level: Int32(IPPROTO_TCP), name: TCP_NODELAY, 1)
                return 0
            }
        }
        try log.record("connect", "\(target)") { () throws(Errno) in
            try socket.connect(to: target)
            return 0
        }
        return socket
    }

    /// Corks the socket if asked, then sends the header (the file's first
    /// bytes, read with pread) with MSG_MORE if asked.
    private mutating func sendHeader(_ framing: HeaderFraming, from file: FileDescriptor, to socket: TCPSocket) throws(Errno) {
        if framing.cork { try setCork(true, on: socket) }
        let header = UnsafeMutableRawBufferPointer.allocate(byteCount: Int(framing.header), alignment: 8)
        defer { header.deallocate() }
        let count = try log.record("pread", "fd=\(file.rawValue) len=\(header.count) offset=0 (header)") { () throws(Errno) in
            try file.read(into: header, at: 0)
        }
        var position = 0
        while position < count {
            let piece = UnsafeRawBufferPointer(rebasing: header[position ..< count])
            position += try log.record("send", "fd=\(socket.descriptor.rawValue) len=\(piece.count) flags=\(framing.more ? "MSG_MORE" : "0") (header)") {
                () throws(Errno) in try socket.descriptor.send(piece, flags: framing.more ? Int32(MSG_MORE) : 0)
            }
        }
    }

    /// setsockopt TCP_CORK; uncorking sends what the cork held.
    private mutating func setCork(_ on: Bool, on socket: TCPSocket) throws(Errno) {
        try log.record("setsockopt", "TCP_CORK=\(on ? 1 : 0)") { () throws(Errno) in
            try socket.setOption(level: Int32(IPPROTO_TCP), name: TCP_CORK, on ? 1 : 0)
            return 0
        }
    }

    private mutating func send(
        from file: FileDescriptor, size: UInt64, to socket: FileDescriptor, sent: inout UInt64
    ) throws(Errno) {
        if let script = config.script {
            try runScript(script, from: file, to: socket, sent: &sent)
            return
        }
        switch config.method {
        case .sendfile: try sendfile(file, size: size, to: socket, sent: &sent)
        case .readWrite: try readWrite(file, size: size, to: socket, sent: &sent)
        case .mmapWrite: try mmapWrite(file, size: size, to: socket, sent: &sent)
        case .splice: try splice(file, size: size, to: socket, sent: &sent)
        case .msgZerocopy: try msgZerocopy(file, size: size, to: socket, sent: &sent)
        case .ioUringSendZc: try ioUringSendZerocopy(file, size: size, to: socket, sent: &sent)
        case .vmsplice: try vmspliceSend(file, size: size, to: socket, sent: &sent)
        }
    }

    /// sendfile(2) in a loop until the whole file has gone or a call returns 0.
    private mutating func sendfile(
        _ file: FileDescriptor, size: UInt64, to socket: FileDescriptor, sent: inout UInt64
    ) throws(Errno) {
        var offset: Int64 = 0
        while sent < size {
            let count = Int(min(config.chunk ?? size, size - sent))
            let before = offset
            let moved: Int
            do {
                moved = try log.record(
                    "sendfile", "out_fd=\(socket.rawValue) in_fd=\(file.rawValue) offset=\(before) count=\(count)"
                ) { () throws(Errno) in try socket.sendfile(from: file, offset: &offset, count: count, retryOnInterrupt: false) }
            } catch .interrupted {
                continue  // logged; a server calls again
            }
            if moved == 0 { return }
            sent += UInt64(moved)
        }
    }

    /// The scripted sendfile(2) calls, each reported with its result and the
    /// offset after it (the offset variable, or the file position for NULL).
    private mutating func runScript(
        _ script: [ScriptedCall], from file: FileDescriptor, to socket: FileDescriptor, sent: inout UInt64
    ) throws(Errno) {
        for call in script {
            if let position = call.lseek {
                _ = try log.record("lseek", "fd=\(file.rawValue) offset=\(position) SEEK_SET") { () throws(Errno) in
                    try file.seek(to: position)
                }
            }
            var result = ScriptedCall.Result(returned: nil, errno: nil, offsetAfter: 0)
            do {
                if let start = call.offset {
                    var offset = start
                    defer { result.offsetAfter = offset }
                    let moved = try log.record(
                        "sendfile", "out_fd=\(socket.rawValue) in_fd=\(file.rawValue) offset=\(start) count=\(call.count)"
                    ) { () throws(Errno) in try socket.sendfile(from: file, offset: &offset, count: Int(call.count), retryOnInterrupt: false) }
                    result.returned = Int64(moved)
                } else {
                    let moved = try log.record(
                        "sendfile", "out_fd=\(socket.rawValue) in_fd=\(file.rawValue) offset=NULL count=\(call.count)"
                    ) { () throws(Errno) in try socket.sendfile(fromPositionOf: file, count: Int(call.count)) }
                    result.returned = Int64(moved)
                    result.offsetAfter = try file.position()
                }
                sent += UInt64(result.returned ?? 0)
            } catch {
                result.errno = error.name
                if call.offset == nil { result.offsetAfter = (try? file.position()) ?? -1 }
            }
            scriptResults.append(result)
        }
    }

    /// read(2) into a buffer and write(2) all of it, until end of file.
    private mutating func readWrite(
        _ file: FileDescriptor, size: UInt64, to socket: FileDescriptor, sent: inout UInt64
    ) throws(Errno) {
        let capacity = Int(config.chunk ?? 128 << 10)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 4096)
        defer { buffer.deallocate() }
        while true {
            let count = try log.record("read", "fd=\(file.rawValue) count=\(capacity)") { () throws(Errno) in
                try file.read(into: buffer)
            }
            if count == 0 { return }
            try writeAll(UnsafeRawBufferPointer(rebasing: buffer[0..<count]), to: socket, sent: &sent)
        }
    }

    /// mmap(2) windows of the file and write(2) from them.
    private mutating func mmapWrite(
        _ file: FileDescriptor, size: UInt64, to socket: FileDescriptor, sent: inout UInt64
    ) throws(Errno) {
        let window = max(UInt64(pageSize), (config.mapWindow ?? 1 << 30) / UInt64(pageSize) * UInt64(pageSize))
        let sharing: FileMapping.Sharing = config.privateMapping == true ? .private : .shared
        var offset: UInt64 = 0
        while offset < size {
            let length = Int(min(window, size - offset))
            let mapping = try log.record(
                "mmap", "length=\(length) prot=PROT_READ flags=\(sharing == .shared ? "MAP_SHARED" : "MAP_PRIVATE") offset=\(offset)",
                returnValue: { _ in 0 }
            ) { () throws(Errno) in try FileMapping(file, offset: Int64(offset), length: length, sharing: sharing) }
            currentMapping = mapping
            currentMappingOffset = offset
            let chunk = Int(config.chunk ?? UInt64(length))
            var position = 0
            do {
                while position < length {
                    let end = min(length, position + chunk)
                    try writeAll(UnsafeRawBufferPointer(rebasing: mapping.bytes[position..<end]), to: socket, sent: &sent)
                    position = end
                }
            } catch {
                if config.touchAfterShortWrite == true { touch(mapping, from: Int(sent - offset), mappingOffset: offset) }
                throw error
            }
            mapping.unmap()
            currentMapping = nil
            offset += UInt64(length)
        }
    }

    /// SO_ZEROCOPY, then send(2) with MSG_ZEROCOPY from a mapping of the
    /// file, `chunk` bytes a call (64 KiB by default), reading completions as
    /// they come; ENOBUFS (out of optmem for notifications) waits for
    /// completions and tries again. At the end, waits (up to 10 s) until every
    /// send is completed, since the mapping must outlive the sends.
    private mutating func msgZerocopy(
        _ file: FileDescriptor, size: UInt64, to socket: FileDescriptor, sent: inout UInt64
    ) throws(Errno) {
        let options = config.zerocopy ?? ZerocopyOptions()
        zerocopyLimits = try zerocopyLimits(options)
        if let steps = options.steps {
            try runZerocopyScript(steps, options: options, file: file, size: size, tcp: socket, sent: &sent)
            return
        }
        if options.enable {
            try log.record("setsockopt", "SO_ZEROCOPY=1") { () throws(Errno) in
                try TCPSocket(descriptor: socket).setOption(level: SOL_SOCKET, name: SO_ZEROCOPY, 1)
                return 0
            }
        }
        guard size > 0 else { return }
        let mapping = try log.record("mmap", "length=\(size) prot=PROT_READ flags=MAP_SHARED offset=0", returnValue: { _ in 0 }) {
            () throws(Errno) in try FileMapping(file, offset: 0, length: Int(size), sharing: .shared)
        }
        defer { mapping.unmap() }
        let chunk = Int(config.chunk ?? 64 << 10)
        var position = 0
        var sends: UInt32 = 0
        while position < Int(size) {
            let piece = UnsafeRawBufferPointer(rebasing: mapping.bytes[position ..< min(Int(size), position + chunk)])
            do {
                let moved = try log.record("send", "fd=\(socket.rawValue) len=\(piece.count) flags=MSG_ZEROCOPY") { () throws(Errno) in
                    try socket.send(piece, flags: Int32(MSG_ZEROCOPY))
                }
                sends += 1
                position += moved
                sent += UInt64(moved)
            } catch .interrupted {
                continue
            } catch let error where error == Errno(ENOBUFS) {
                try awaitNotifications(on: socket, milliseconds: 100)
                continue
            }
            if options.readEvery > 0 && sends % options.readEvery == 0 { try drainNotifications(socket) }
        }
        zerocopySends = sends
        // Without SO_ZEROCOPY the flag is ignored and no completion will come: look once.
        let deadline = monotonicNanoseconds() + (options.enable ? 10_000_000_000 : 200_000_000)
        while completedIDs() < UInt64(sends) && monotonicNanoseconds() < deadline {
            try awaitNotifications(on: socket, milliseconds: 100)
        }
    }

    /// Sets RLIMIT_MEMLOCK if asked (and drops CAP_IPC_LOCK, which would
    /// bypass it), and reads the limits pinned pages are charged against.
    private mutating func zerocopyLimits(_ options: ZerocopyOptions) throws(Errno) -> (optmem: String, memlock: String) {
        if let bytes = options.memlock {
            try log.record("setrlimit", "RLIMIT_MEMLOCK=\(bytes)") { () throws(Errno) in
                var limit = rlimit(rlim_cur: rlim_t(bytes), rlim_max: rlim_t(bytes))
                return try syscall { setrlimit(__rlimit_resource_t(UInt32(zcl_RLIMIT_MEMLOCK)), &limit) }
            }
            try log.record("capset", "drop CAP_IPC_LOCK") { () throws(Errno) in try syscall { zcl_drop_capability(14) } }
        }
        var limit = rlimit()
        getrlimit(__rlimit_resource_t(UInt32(zcl_RLIMIT_MEMLOCK)), &limit)
        let memlock = options.memlock == nil ? "ignored (CAP_IPC_LOCK)" : limit.rlim_cur == rlim_t.max ? "unlimited" : "\(limit.rlim_cur)"
        return (Self.firstLine(of: "/proc/sys/net/core/optmem_max") ?? "unknown", memlock)
    }

    /// The first line of a small file such as a sysctl, or nil.
    static func firstLine(of path: String) -> String? {
        guard let file = try? FileDescriptor.open(path, .readOnly) else { return nil }
        defer { try? file.close() }
        var bytes = [UInt8](repeating: 0, count: 256)
        let count = bytes.withUnsafeMutableBytes { (try? file.read(into: $0)) ?? 0 }
        return String(decoding: bytes.prefix(count), as: UTF8.self).split(separator: "\n").first.map(String.init)
    }

    /// Reads every completion waiting on the error queue.
    mutating func drainNotifications(_ socket: FileDescriptor) throws(Errno) {
        while let notification = try socket.nextZerocopyNotification() { notifications.append(notification) }
    }

    /// Waits until the error queue is readable (POLLERR), then drains it.
    private mutating func awaitNotifications(on socket: FileDescriptor, milliseconds: Int32) throws(Errno) {
        var descriptor = pollfd(fd: socket.rawValue, events: 0, revents: 0)
        _ = Glibc.poll(&descriptor, 1, milliseconds)
        try drainNotifications(socket)
    }

    /// How many send ids the completions so far cover.
    func completedIDs() -> UInt64 {
        notifications.reduce(0) { $0 + UInt64($1.hi &- $1.lo) + 1 }
    }

    /// The mapping being written from, to place fault addresses in the file.
    private var currentMapping: FileMapping?
    private var currentMappingOffset: UInt64 = 0

    /// Reads the mapping from `start` on, from user space, and logs whether
    /// that raised a signal (as a "touch" step: not a syscall, a memory access).
    private mutating func touch(_ mapping: FileMapping, from start: Int, mappingOffset: UInt64) {
        let rest = UnsafeRawBufferPointer(rebasing: mapping.bytes[min(start, mapping.length)...])
        let began = monotonicNanoseconds()
        let fault = SignalRecorder.touch(rest, in: mapping.bytes, mappingOffset: mappingOffset)
        log.append(SyscallStep(
            actor: "sender", call: "touch", arguments: "mapping offset=\(UInt64(start) + mappingOffset) length=\(rest.count)",
            calls: 1, returned: fault == nil ? Int64(rest.count) : nil, returnMin: nil, returnMax: nil, errno: nil,
            signal: fault.map { "\($0.signal) \($0.code) at file offset \($0.fileOffset.map(String.init) ?? "?")" },
            durationNs: monotonicNanoseconds() - began))
    }

    /// splice(2) from the file into a pipe ("splice_fill" in the log) and from
    /// the pipe into the socket ("splice", the call that sends and can block).
    private mutating func splice(
        _ file: FileDescriptor, size: UInt64, to socket: FileDescriptor, sent: inout UInt64
    ) throws(Errno) {
        let pipe = try FileDescriptor.pipe()
        defer {
            try? pipe.read.close()
            try? pipe.write.close()
        }
        let capacity = try pipeCapacity(pipe.write)
        let chunk = Int(config.chunk ?? UInt64(capacity))
        var offset: Int64 = 0
        while UInt64(offset) < size {
            let before = offset
            let filled = try log.record(
                "splice_fill", "fd_in=\(file.rawValue) off_in=\(before) fd_out=\(pipe.write.rawValue) len=\(chunk)"
            ) { () throws(Errno) in
                try file.splice(to: pipe.write, inputOffset: &offset, count: min(chunk, Int(size - UInt64(before))))
            }
            if filled == 0 { return }
            try drain(pipe.read, count: filled, to: socket, sent: &sent)
        }
    }

    /// The pipe's capacity: F_SETPIPE_SZ to the configured size, or the default 64 KiB.
    mutating func pipeCapacity(_ pipe: FileDescriptor) throws(Errno) -> Int {
        guard let wanted = config.pipeSize else { return 65536 }
        return try log.record("fcntl", "fd=\(pipe.rawValue) F_SETPIPE_SZ \(wanted)") { () throws(Errno) in
            try pipe.setPipeCapacity(wanted)
        }
    }

    /// splice(2) of `count` bytes from the pipe to the socket, calling again
    /// after EINTR (logged) and short counts.
    mutating func drain(_ pipe: FileDescriptor, count: Int, to socket: FileDescriptor, sent: inout UInt64) throws(Errno) {
        var drained = 0
        while drained < count {
            let moved: Int
            do {
                moved = try log.record("splice", "fd_in=\(pipe.rawValue) fd_out=\(socket.rawValue) len=\(count - drained)") {
                    () throws(Errno) in
                    try pipe.splice(to: socket, inputOffset: nil, count: count - drained, flags: .more, retryOnInterrupt: false)
                }
            } catch .interrupted {
                continue  // logged; a server calls again
            }
            drained += moved
            sent += UInt64(moved)
        }
    }

    /// write(2) until `bytes` are all in the socket.
    private mutating func writeAll(
        _ bytes: UnsafeRawBufferPointer, to socket: FileDescriptor, sent: inout UInt64
    ) throws(Errno) {
        var done = 0
        while done < bytes.count {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[done...])
            let written: Int
            do {
                written = try log.record("write", "fd=\(socket.rawValue) count=\(rest.count)") { () throws(Errno) in
                    try socket.write(rest, retryOnInterrupt: false)
                }
            } catch .interrupted {
                continue  // logged; a server calls again
            }
            done += written
            sent += UInt64(written)
        }
    }
}

/// One sendfile(2) call of a script: from `offset`, or (nil) from the file
/// position, after an optional lseek(2).
public struct ScriptedCall: Codable, Sendable, Equatable {
    public var lseek: Int64?
    public var offset: Int64?
    public var count: UInt64

    public init(lseek: Int64? = nil, offset: Int64? = nil, count: UInt64) {
        self.lseek = lseek
        self.offset = offset
        self.count = count
    }

    /// What the call gave.
    public struct Result: Codable, Sendable, Equatable {
        public var returned: Int64?
        public var errno: String?
        /// The offset variable after the call, or the file position for a NULL offset.
        public var offsetAfter: Int64

        enum CodingKeys: String, CodingKey {
            case returned = "return", errno, offsetAfter = "offset_after"
        }
    }

    /// The file range this call should send from a file of `size` bytes
    /// whose position is `position` (updated as a NULL-offset call would).
    public func intendedRange(size: UInt64, position: inout Int64) -> ByteRange {
        if let lseek { position = lseek }
        let start = offset ?? position
        guard start >= 0, UInt64(start) < size else { return ByteRange(lower: 0, upper: 0) }
        let end = min(size, UInt64(start) + count)
        if offset == nil { position = Int64(end) }
        return ByteRange(lower: UInt64(start), upper: end)
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
public struct ZerocopyOptions: Codable, Sendable, Equatable {
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
    }

    public init(enable: Bool = true, readEvery: UInt32 = 1) {
        self.enable = enable
        self.readEvery = readEvery
    }

    enum CodingKeys: String, CodingKey {
        case enable, readEvery = "read_every", socket, steps, memlock
    }
}
