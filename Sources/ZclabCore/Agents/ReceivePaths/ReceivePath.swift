#if canImport(Glibc)
import Glibc
#endif

/// One way of taking the stream from the receiver's connected socket: its
/// loop and its state. Every byte it gets goes to the verifier, so each path
/// is checked against the test pattern as the `read` loop is; what it saw
/// beyond its calls is its report.
protocol ReceivePath {
    /// What it does, in a line, for the docs.
    static var summary: String { get }
    /// The syscall it sleeps in while the socket is empty.
    static var blockingCall: String { get }
    /// The names its calls have in the log, and so in `receiver.CALL.*` keys.
    static var syscalls: [String] { get }
    init(config: ReceiverConfig)
    /// Takes the stream to its end from `socket`, every byte to `context.verifier`.
    mutating func receive(from socket: FileDescriptor, _ context: inout ReceiveContext) throws(Errno) -> ReceivePathReport?
}

/// What every receive path shares with the receiver agent.
struct ReceiveContext {
    var log: SyscallLog
    let channel: AgentChannel
    let verifier: StreamVerifier
    /// Bytes taken from the socket so far.
    var received: UInt64 = 0
    private var lastProgress = monotonicNanoseconds()

    init(log: SyscallLog, channel: AgentChannel, verifier: StreamVerifier) {
        self.log = log
        self.channel = channel
        self.verifier = verifier
    }

    /// Hands `bytes` to the verifier and tells the runner how far the stream is, now and then.
    mutating func take(_ bytes: UnsafeRawBufferPointer) {
        verifier.receive(bytes)
        received += UInt64(bytes.count)
        let now = monotonicNanoseconds()
        if now - lastProgress > 200_000_000 {
            lastProgress = now
            channel.send(.progress(bytes: received))
        }
    }

    /// Blocks in poll(2) until the socket has data or its peer closed.
    mutating func waitReadable(_ socket: FileDescriptor) throws(Errno) {
        var descriptor = pollfd(fd: socket.rawValue, events: Int16(POLLIN), revents: 0)
        _ = try log.record("poll", "fd=\(socket.rawValue) POLLIN") { () throws(Errno) in
            try syscall { Glibc.poll(&descriptor, 1, -1) }
        }
    }

    /// read(2) of exactly `count` bytes (fewer at end of stream) into the verifier, through `buffer`.
    mutating func readByCopy(_ count: Int, from socket: FileDescriptor, through buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        var done = 0
        while done < count {
            let want = min(buffer.count, count - done)
            let got = try log.record("read", "fd=\(socket.rawValue) count=\(want)") { () throws(Errno) in
                try socket.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0 ..< want]))
            }
            if got == 0 { break }
            take(UnsafeRawBufferPointer(rebasing: buffer[0 ..< got]))
            done += got
        }
        return done
    }
}

/// What a receive path observed beyond its calls.
public enum ReceivePathReport: Codable, Sendable, Equatable {
    /// TCP_ZEROCOPY_RECEIVE: bytes mapped and copied.
    case mapped(MappedReceive)
    /// splice to a file: the destination, read back.
    case file(DestinationFile)
}

/// What mmap-receive took by mapping and by copy.
public struct MappedReceive: Codable, Sendable, Equatable {
    public var mappedBytes: UInt64 = 0
    public var copiedBytes: UInt64 = 0
    /// getsockopt(TCP_ZEROCOPY_RECEIVE) calls, and those that named bytes to read by copy first.
    public var calls = 0
    public var skipHints = 0
    /// With `touch_after_end`: the region read after the stream ended
    /// ("stale": the last pages mapped, still the file's bytes of their
    /// offsets; "other"), and the signal a read got once its pages were
    /// dropped (MADV_DONTNEED), or "none".
    public var regionAfterEnd: String?
    public var signalAfterDrop: String?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case calls
        case mappedBytes = "mapped_bytes", copiedBytes = "copied_bytes", skipHints = "skip_hints"
        case regionAfterEnd = "region_after_end", signalAfterDrop = "signal_after_drop"
    }
}

/// The file splice-to-file wrote, read back through a new descriptor.
public struct DestinationFile: Codable, Sendable, Equatable {
    /// Its size once the stream ended.
    public var size: UInt64
}
