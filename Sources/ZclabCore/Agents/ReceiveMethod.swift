/// How the receiver takes the stream from its socket: the scenario's
/// `receiver.method` word, and the `ReceivePath` type that does it
/// (`Agents/ReceivePaths/`, one file each; `read` is the receiver's own loop).
public enum ReceiveMethod: String, Codable, Sendable, CaseIterable {
    /// read(2) into a buffer: the copy the others are measured against.
    case read
    /// getsockopt(TCP_ZEROCOPY_RECEIVE) on a mapping of the socket: whole
    /// pages of the receive queue mapped, the rest read by copy.
    case mmapReceive = "mmap-receive"
    /// splice(2) from the socket into a pipe and from the pipe into a file.
    case spliceToFile = "splice-to-file"
    /// io_uring IORING_OP_RECV into a buffer, one request in flight.
    case ioUringRecv = "io-uring-recv"
    /// io_uring zero-copy receive: probed only (`ZcrxProbe`); its scenarios
    /// are skipped with what the kernel or the interface lacks.
    case ioUringZcrx = "io-uring-zcrx"

    /// The receive path of this method; nil for `read`, the receiver's own loop.
    var path: (any ReceivePath.Type)? {
        switch self {
        case .read: nil
        case .mmapReceive: MmapReceivePath.self
        case .spliceToFile: SpliceToFilePath.self
        case .ioUringRecv: IoUringRecvPath.self
        case .ioUringZcrx: ZcrxProbePath.self
        }
    }

    /// What this method does, in a line.
    public var summary: String { path?.summary ?? "read(2) into a buffer of `read_size`, every byte checked as it arrives" }

    /// The syscall a receiver of this method sleeps in while the socket is empty.
    public var blockingCall: String { path?.blockingCall ?? "read" }

    /// The names its calls have in the log (`receiver.CALL.*`).
    public var syscalls: [String] { path?.syscalls ?? ["read"] }
}
