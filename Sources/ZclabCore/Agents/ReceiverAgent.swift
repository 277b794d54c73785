#if canImport(Glibc)
import Glibc
#endif

/// What a receiver agent is told to do.
public struct ReceiverConfig: Codable, Sendable {
    public var host: String
    public var port: UInt16
    /// Bytes asked for per read(2).
    public var readSize: Int
    /// Stop reading after exactly this many bytes until the runner says resume.
    public var pauseAfter: UInt64?
    /// SO_RCVBUF, if set (on the listening socket, so it shapes the window).
    public var receiveBuffer: Int32?
    /// The file the sender sends, to check the received bytes against.
    public var expected: TestFileSpec
    /// The file ranges the sender sends, in order, when not the whole file.
    public var pieces: [ByteRange]?
    /// Connect to a program and ask, instead of accepting a connection.
    public var client: ClientConfig?
    /// Also bind a UDP socket on the same address and port, never read: the
    /// socket a sender's `udp-peer` datagrams are delivered to.
    public var udpSink = false
    /// What the sender sends over: with UDP the receiver reads datagrams
    /// (`receiveDatagrams`) until the runner says the sender is done.
    public var transport = Transport.tcp
    /// How the stream is taken from the socket, and that method's settings.
    public var method = ReceiveMethod.read
    /// mmap-receive: bytes of the socket's mapping.
    public var mapSize = 2 << 20
    /// mmap-receive: read the mapping after the stream ended, and again once its pages are dropped.
    public var touchAfterEnd = false
    /// splice-to-file: the file written.
    public var destination: String?
    /// false: read and count, compare nothing (`zclab bench`, so that the
    /// receiver's check does not bound what is measured).
    public var check = true

    enum CodingKeys: String, CodingKey {
        case host, port, expected, pieces, client, transport, method, destination, check
        case mapSize = "map_size", touchAfterEnd = "touch_after_end"
        case udpSink = "udp_sink"
        case readSize = "read_size", pauseAfter = "pause_after", receiveBuffer = "receive_buffer"
    }
}

/// The receiving actor: accepts one connection, reads to end of stream at
/// full speed or by its schedule, and checks every byte against the expected
/// file as it arrives. Runs in the receiver namespace as `zclab agent receiver`.
public struct ReceiverAgent {
    let config: ReceiverConfig
    var channel: AgentChannel
    var log = SyscallLog(actor: "receiver")

    public init(config: ReceiverConfig, channel: AgentChannel) {
        self.config = config
        self.channel = channel
    }

    public mutating func run() -> Never {
        if let client = config.client { runClient(client) }
        if config.transport == .udp { receiveDatagrams() }
        do {
            let connection = try accept()
            channel.send(.connected)
            if let path = config.method.path { receive(by: path, from: connection.descriptor) }
            let (check, _) = try receive(from: connection.descriptor)
            channel.send(.done(AgentOutcome(steps: log.steps, result: .receiver(check, client: nil))))
            exit(0)
        } catch {
            channel.fail("receiver: \(error)")
        }
    }

    private mutating func accept() throws(Errno) -> TCPSocket {
        let address = SocketAddress(host: config.host, port: config.port)
        if config.udpSink {
            // Left open, unread, for the agent's life: datagrams queue there until its buffer is full.
            let family = address.isIPv6 ? "AF_INET6" : "AF_INET"
            let sink = try log.record("socket", "\(family) SOCK_DGRAM (a sink, never read)", returnValue: { Int64($0.descriptor.rawValue) }) {
                () throws(Errno) in try UDPSocket(for: address)
            }
            try log.record("bind", "\(address) (UDP)") { () throws(Errno) in
                try sink.bind(to: address)
                return 0
            }
        }
        let listener = try TCPSocket(for: address)
        if let size = config.receiveBuffer {
            try listener.setOption(level: SOL_SOCKET, name: SO_RCVBUF, size)
        }
        try listener.listen(on: address)
        channel.send(.listening(port: config.port))
        let connection = try log.record("accept", "fd=\(listener.descriptor.rawValue)", returnValue: { Int64($0.descriptor.rawValue) }) {
            () throws(Errno) in try listener.accept()
        }
        try? listener.descriptor.close()
        return connection
    }

    /// Reads to end of stream (or `limit` bytes), `leading` bytes already
    /// read first, checking every byte; pauses as configured. A reset or a
    /// read timeout ends the stream too, and says so.
    mutating func receive(
        from socket: FileDescriptor, leading: [UInt8] = [], limit: UInt64? = nil
    ) throws(Errno) -> (StreamCheck, StreamEnd) {
        let verifier = StreamVerifier(expected: config.content)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: config.readSize, alignment: 4096)
        defer { buffer.deallocate() }
        leading.withUnsafeBytes { verifier.receive($0) }
        var received = UInt64(leading.count)
        var pausePending = config.pauseAfter
        var lastProgress = monotonicNanoseconds()
        var end = StreamEnd.eof
        while true {
            if let limit, received >= limit {
                end = .complete
                break
            }
            var want = config.readSize
            if let limit { want = Int(min(UInt64(want), limit - received)) }
            if let pause = pausePending {
                if received >= pause {
                    pauseUntilResumed(at: received)
                    pausePending = nil
                    continue
                }
                want = Int(min(UInt64(want), pause - received))
            }
            let request = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<want])
            let count: Int
            do {
                count = try log.record("read", "fd=\(socket.rawValue) count=\(want)") { () throws(Errno) in
                    try socket.read(into: request)
                }
            } catch let error where error == Errno(ECONNRESET) || error == Errno.wouldBlock {
                end = error == Errno(ECONNRESET) ? .reset : .timeout
                break
            }
            if count == 0 { break }
            if config.check { verifier.receive(UnsafeRawBufferPointer(rebasing: buffer[0..<count])) }
            received += UInt64(count)
            let now = monotonicNanoseconds()
            if now - lastProgress > 200_000_000 {
                lastProgress = now
                channel.send(.progress(bytes: received))
            }
        }
        guard config.check else { return (StreamCheck(bytes: received, sha256: "", expectedBytes: verifier.expectedLength, matches: false, countedOnly: true), end) }
        return (verifier.finish().streamCheck, end)
    }

    /// Takes the stream by `path` and reports, its own report beside the check.
    private mutating func receive(by path: any ReceivePath.Type, from socket: FileDescriptor) -> Never {
        if config.touchAfterEnd {
            do { try SignalRecorder.install([SIGBUS, SIGSEGV], restart: true) } catch { channel.fail("receiver: installing signal handlers: \(error)") }
        }
        var context = ReceiveContext(log: log, channel: channel, verifier: StreamVerifier(expected: config.content))
        var receiver = path.init(config: config)
        do {
            let report = try receiver.receive(from: socket, &context)
            var check = context.verifier.finish().streamCheck
            check.path = report
            channel.send(.done(AgentOutcome(steps: context.log.steps, result: .receiver(check, client: nil))))
            exit(0)
        } catch {
            channel.fail("receiver: \(error)")
        }
    }

    /// Tells the runner it paused and blocks until it says resume.
    private mutating func pauseUntilResumed(at received: UInt64) {
        channel.send(.paused(bytes: received))
        while true {
            guard let command = try? channel.receive(AgentCommand.self) else {
                channel.fail("receiver: the runner went away while paused")
            }
            if command.kind == .resume { return }
        }
    }
}

extension ReceiverConfig {
    /// The bytes the sender sends: the file, or its `pieces` one after another.
    var content: any ExpectedContent {
        pieces.map { ConcatenatedContent(base: expected.content, pieces: $0) as any ExpectedContent } ?? expected.content
    }
}

extension StreamVerification {
    /// The receiver's summary of its check.
    var streamCheck: StreamCheck {
        StreamCheck(bytes: bytes, sha256: sha256, expectedBytes: expectedBytes, matches: matches, firstMismatch: firstMismatch)
    }
}
