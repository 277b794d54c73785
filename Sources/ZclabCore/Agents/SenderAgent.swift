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
/// `zclab agent sender`. What is common to every method lives here (connect,
/// lease, header and cork, shutdown); the method's own loop and state live
/// in its `SendPath`.
public struct SenderAgent {
    let config: SenderConfig
    var context: SendContext

    public init(config: SenderConfig, channel: AgentChannel) {
        self.config = config
        context = SendContext(channel: channel)
    }

    public mutating func run() -> Never {
        // Record, rather than suffer, SIGPIPE (as servers ignore it, so a reset
        // peer is EPIPE), and record SIGBUS/SIGSEGV before dying of them.
        do {
            try SignalRecorder.install([SIGPIPE, SIGBUS, SIGSEGV], restart: true)
        } catch {
            context.channel.fail("sender: installing signal handlers: \(error)")
        }
        guard var path = config.method.path.make(config.spec) else {
            context.channel.fail("sender: the options are not \(config.method.rawValue)'s")
        }
        var failure: String?
        var lease: (report: LeaseReport, descriptor: FileDescriptor)?
        /// A lease asked for on a descriptor of its own and given up at once (`on: sole-write-only`).
        var askedAlone: LeaseReport?
        let config = self.config  // read in the closures below while `context` changes
        do {
            let socket = try connect()
            context.channel.send(.connected)
            if let spec = config.lease, spec.target == .soleWriteOnly { askedAlone = try leaseOnSoleWriteOnlyDescriptor(spec) }
            let writable = config.lease?.openForWriting == true
            let file = FileDescriptor(rawValue: try context.log.record(
                "open", "path=\(config.path) flags=\(writable ? "O_RDWR" : "O_RDONLY")"
            ) { () throws(Errno) in try FileDescriptor.open(config.path, writable ? .readWrite : .readOnly).rawValue })
            if let spec = config.lease, spec.target != .soleWriteOnly {
                lease = try takeLease(spec, file: file, socket: socket.descriptor)
            }
            let transfer = Transfer(file: file, size: UInt64(try file.size()), socket: socket.descriptor, transport: config.transport)
            defer {
                if let held = lease {
                    lease?.report.after = try? held.descriptor.lease()
                    if config.lease?.releaseAtEnd == true { releaseLate(held.descriptor) }
                }
            }
            if let framing = config.framing, !config.method.path.carriesHeader { try sendHeader(framing, from: file, to: socket) }
            try path.send(transfer, &context)
            if config.framing?.cork == true { try setCork(false, on: socket) }
            if let stream = socket as? TCPSocket {
                try context.log.record("shutdown", "fd=\(stream.descriptor.rawValue) how=SHUT_WR") { () throws(Errno) in
                    try stream.shutdownWrite()
                    return 0
                }
            }
        } catch {
            failure = error.description  // the errno is in the last step
        }
        let result = SenderResult(
            bytes: context.sent, failure: failure,
            signals: SignalRecorder.records(mapping: context.mapping?.bytes, mappingOffset: context.mappingOffset),
            lease: lease?.report ?? askedAlone, path: path.report)
        context.channel.send(.done(AgentOutcome(steps: context.log.steps, result: .sender(result))))
        exit(0)
    }

    /// A TCP connection to the receiver, or a UDP socket connected to its
    /// address and port (`transport: udp`).
    private mutating func connect() throws(Errno) -> any InternetSocket {
        let target = SocketAddress(host: config.host, port: config.port)
        let socket: any InternetSocket = config.transport == .udp ? try UDPSocket(for: target) : try TCPSocket(for: target)
        if let size = config.sendBuffer {
            try context.log.record("setsockopt", "SO_SNDBUF=\(size)") { () throws(Errno) in
                try socket.setOption(level: SOL_SOCKET, name: SO_SNDBUF, size)
                return 0
            }
        }
        if config.framing?.nodelay == true {
            try context.log.record("setsockopt", "TCP_NODELAY=1") { () throws(Errno) in
                try socket.setOption(level: Int32(IPPROTO_TCP), name: TCP_NODELAY, 1)
                return 0
            }
        }
        let protocolNote = config.transport == .udp ? " (UDP)" : ""
        try context.log.record("connect", "\(target)\(protocolNote)") { () throws(Errno) in
            try socket.connect(to: target)
            return 0
        }
        return socket
    }

    /// Corks the socket if asked, then sends the header (the file's first
    /// bytes, read with pread) with MSG_MORE if asked.
    private mutating func sendHeader(_ framing: HeaderFraming, from file: FileDescriptor, to socket: any InternetSocket) throws(Errno) {
        if framing.cork { try setCork(true, on: socket) }
        let header = UnsafeMutableRawBufferPointer.allocate(byteCount: Int(framing.header), alignment: 8)
        defer { header.deallocate() }
        let count = try context.log.record("pread", "fd=\(file.rawValue) len=\(header.count) offset=0 (header)") { () throws(Errno) in
            try file.read(into: header, at: 0)
        }
        var position = 0
        while position < count {
            let piece = UnsafeRawBufferPointer(rebasing: header[position ..< count])
            position += try context.log.record("send", "fd=\(socket.descriptor.rawValue) len=\(piece.count) flags=\(framing.more ? "MSG_MORE" : "0") (header)") {
                () throws(Errno) in try socket.descriptor.send(piece, flags: framing.more ? Int32(MSG_MORE) : 0)
            }
        }
    }

    /// setsockopt TCP_CORK; uncorking sends what the cork held.
    private mutating func setCork(_ on: Bool, on socket: any InternetSocket) throws(Errno) {
        try context.log.record("setsockopt", "TCP_CORK=\(on ? 1 : 0)") { () throws(Errno) in
            try socket.setOption(level: Int32(IPPROTO_TCP), name: TCP_CORK, on ? 1 : 0)
            return 0
        }
    }
}
