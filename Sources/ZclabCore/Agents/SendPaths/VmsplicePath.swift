#if canImport(Glibc)
import Glibc
#endif
import CZclabLinux

/// vmsplice(2) of a private (heap) copy of the file into a pipe, a pipe's
/// capacity at a time, each drained to the socket with splice(2). Without
/// SPLICE_F_GIFT the pipe, and then the socket, refer to the buffer's pages:
/// with `rewrite_after_send`, the start of the last chunk is rewritten once
/// every call has returned, and the runner is told (`sender.marked`); with
/// `rewrite_before_splice`, the start of the first chunk is rewritten after
/// its vmsplice returned and before it is spliced to the socket.
struct VmsplicePath: SendPath {
    static let summary = "vmsplice(2) of a private copy of the file into a pipe, then splice(2) to the socket: the pipe refers to the program's pages"
    static let blockingCall = "splice"
    static let syscalls = ["fcntl", "vmsplice", "splice", "modify", "ioctl"]
    let pipeSize: Int?
    let chunk: UInt64?
    let rewriteAfterSend: UInt64?
    let rewriteBeforeSplice: UInt64?

    init(options: VmspliceOptions, spec: SenderSpec) {
        pipeSize = options.pipeSize
        chunk = spec.chunk
        rewriteAfterSend = options.rewriteAfterSend
        rewriteBeforeSplice = options.rewriteBeforeSplice
    }

    mutating func send(_ transfer: Transfer, _ context: inout SendContext) throws(Errno) {
        let buffer = try PrivateCopy(of: transfer)
        defer { withExtendedLifetime(buffer) {} }  // the socket refers to its pages until the end
        let pipe = try context.pipe(capacity: pipeSize)
        defer {
            try? pipe.read.close()
            try? pipe.write.close()
        }
        let chunk = Int(self.chunk ?? UInt64(pipe.capacity))
        var position = 0
        var lastChunk = 0 ..< 0
        while position < buffer.count {
            let piece = buffer[position ..< min(buffer.count, position + chunk)]
            let moved = try context.log.record("vmsplice", "fd=\(pipe.write.rawValue) len=\(piece.count) flags=0") { () throws(Errno) in
                try pipe.write.vmsplice(piece)
            }
            if position == 0, let rewriteBeforeSplice {
                let range = 0 ..< min(moved, Int(rewriteBeforeSplice))
                buffer.rewrite(range)
                context.logModify(offset: range.lowerBound, length: range.count, "after vmsplice, before splice")
            }
            try context.drain(pipe.read, count: moved, to: transfer.socket, transport: transfer.transport)
            lastChunk = position ..< position + moved
            position += moved
        }
        guard let rewriteAfterSend else { return }
        let range = lastChunk.lowerBound ..< min(lastChunk.upperBound, lastChunk.lowerBound + Int(rewriteAfterSend))
        buffer.rewrite(range)
        context.logModify(offset: range.lowerBound, length: range.count, "after vmsplice and splice returned")
        context.channel.send(.marked)
        // The socket holds the pages until they are sent and acknowledged: keep the buffer till then.
        try context.log.record("ioctl", "fd=\(transfer.socket.rawValue) SIOCOUTQ until 0") { () throws(Errno) in
            while try syscall({ zcl_unsent_bytes(transfer.socket.rawValue) }) > 0 { usleep(1000) }
            return 0
        }
    }
}

/// vmsplice's keys: the pipe's capacity, a rewrite of the last chunk's
/// buffer once every call returned, and one of the first chunk's between
/// its vmsplice and its splice.
public struct VmspliceOptions: SendPathOptions, Equatable {
    public enum Key: String, CaseIterable {
        case pipeSize = "pipe_size", rewriteAfterSend = "rewrite_after_send", rewriteBeforeSplice = "rewrite_before_splice"
    }
    public var pipeSize: Int?
    public var rewriteAfterSend: UInt64?
    public var rewriteBeforeSplice: UInt64?

    public var rewritesItsBuffer: Bool { rewriteAfterSend != nil || rewriteBeforeSplice != nil }

    public init() {}

    public init(_ keys: SenderKeys<Key>) throws(ScenarioError) {
        pipeSize = try keys.integer(.pipeSize, 4096...(1 << 30))
        rewriteAfterSend = try keys.bytes(.rewriteAfterSend)
        rewriteBeforeSplice = try keys.bytes(.rewriteBeforeSplice)
    }
}
