/// How a sender moves the file to the socket: the scenario's `method:` word,
/// and the `SendPath` type that does it (`Agents/SendPaths/`, one file each).
public enum SendMethod: String, Codable, Sendable, CaseIterable {
    /// read(2) into a buffer, write(2) to the socket.
    case readWrite = "read-write"
    /// mmap(2) the file, write(2) from the mapping.
    case mmapWrite = "mmap-write"
    /// sendfile(2) from the file to the socket.
    case sendfile
    /// splice(2) file to pipe, then pipe to socket.
    case splice
    /// send(2) with MSG_ZEROCOPY from a mapping of the file, completions read
    /// from the socket's error queue.
    case msgZerocopy = "msg-zerocopy"
    /// vmsplice(2) of a private copy of the file into a pipe, then splice(2)
    /// from the pipe to the socket: the pipe refers to the user's pages.
    case vmsplice
    /// io_uring IORING_OP_SEND_ZC from a mapping of the file: a result and a
    /// notification completion per send.
    case ioUringSendZc = "io-uring-send-zc"
    /// sendmsg(2) with MSG_ZEROCOPY of an iovec: the header and the file's
    /// mapping in one call (a vectored sendfile).
    case sendmsgZerocopy = "sendmsg-zerocopy"
    /// io_uring IORING_OP_SENDMSG_ZC of the same iovec.
    case ioUringSendmsgZc = "io-uring-sendmsg-zc"

    /// The send path of this method.
    var path: any SendPath.Type {
        switch self {
        case .readWrite: ReadWritePath.self
        case .mmapWrite: MmapWritePath.self
        case .sendfile: SendfilePath.self
        case .splice: SplicePath.self
        case .msgZerocopy: MsgZerocopyPath.self
        case .vmsplice: VmsplicePath.self
        case .ioUringSendZc: IoUringSendZcPath.self
        case .sendmsgZerocopy: SendmsgZerocopyPath.self
        case .ioUringSendmsgZc: IoUringSendmsgZcPath.self
        }
    }

    /// The syscall in which a sender of this method blocks when the socket is full.
    public var blockingCall: String { path.blockingCall }

    /// What this method does, in a line.
    public var summary: String { path.summary }

    /// The `sender:` keys only this method (and its kin) reads.
    public var options: [String] { path.optionKeys }

    /// The names its calls have in the log (`sender.CALL.*`), beyond the
    /// sender's own (connect, header, shutdown).
    public var syscalls: [String] { path.syscalls }

    /// Whether the MSG_ZEROCOPY reference model follows this method's ids.
    public var isModeled: Bool { path.modeled }


    /// Whether `cork` and `more` apply: the header goes in its own call first.
    public var sendsHeaderApart: Bool { !path.carriesHeader }
}
