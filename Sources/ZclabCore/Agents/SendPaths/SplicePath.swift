/// splice(2) from the file into a pipe ("splice_fill" in the log) and from
/// the pipe into the socket ("splice", the call that sends and can block):
/// the pipe carries references to page-cache pages.
struct SplicePath: SendPath {
    static let summary = "splice(2) from the file into a pipe, then from the pipe into the socket"
    static let blockingCall = "splice"
    static let syscalls = ["fcntl", "splice_fill", "splice"]
    static let sendsDatagrams = true
    /// The pipe's capacity (F_SETPIPE_SZ); nil keeps the default.
    let pipeSize: Int?
    /// Bytes per fill; nil fills the pipe.
    let chunk: UInt64?

    init(options: PipeOptions, spec: SenderSpec) {
        pipeSize = options.pipeSize
        chunk = spec.chunk
    }

    mutating func send(_ transfer: Transfer, _ context: inout SendContext) throws(Errno) {
        let pipe = try context.pipe(capacity: pipeSize)
        defer {
            try? pipe.read.close()
            try? pipe.write.close()
        }
        let chunk = Int(self.chunk ?? UInt64(pipe.capacity))
        var offset: Int64 = 0
        while UInt64(offset) < transfer.size {
            let before = offset
            let filled = try context.log.record(
                "splice_fill", "fd_in=\(transfer.file.rawValue) off_in=\(before) fd_out=\(pipe.write.rawValue) len=\(chunk)"
            ) { () throws(Errno) in
                try transfer.file.splice(to: pipe.write, inputOffset: &offset, count: min(chunk, Int(transfer.size - UInt64(before))))
            }
            if filled == 0 { return }
            try context.drain(pipe.read, count: filled, to: transfer.socket, transport: transfer.transport)
        }
    }
}

/// The pipe's capacity, for the paths that send through one.
public struct PipeOptions: SendPathOptions, Equatable {
    public enum Key: String, CaseIterable { case pipeSize = "pipe_size" }
    /// F_SETPIPE_SZ; nil keeps the default (64 KiB).
    public var pipeSize: Int?

    public init() {}

    public init(_ keys: SenderKeys<Key>) throws(ScenarioError) {
        pipeSize = try keys.integer(.pipeSize, 4096...(1 << 30))
    }
}
