#if canImport(Glibc)
import Glibc
#endif

/// sendmsg(2) with MSG_ZEROCOPY of an iovec: the scenario's header (the
/// file's first `header` bytes) and the file's pages in one call, the
/// vectored sendfile the seed article wished Linux had; later calls carry
/// the rest of the file, `chunk` bytes each. Completions are read after every
/// call and awaited at the end, as for `msg-zerocopy`. With
/// `rewrite_after_send` the file's bytes come from a private copy whose last
/// chunk is rewritten once every call returned (`sender.marked`).
struct SendmsgZerocopyPath: SendPath {
    static let summary = "sendmsg(2) with MSG_ZEROCOPY of an iovec: the `header`, then the file's mapping, in one call; then 64 KiB of the file a call"
    static let blockingCall = "sendmsg"
    static let syscalls = ["setsockopt", "pread", "mmap", "sendmsg", "modify"]
    static let modeled = true
    static let carriesHeader = true
    let header: UInt64
    let chunk: Int
    let rewriteAfterSend: UInt64?
    var completions = ZerocopyCompletions()
    /// Calls that took an id; nil until SO_ZEROCOPY is set.
    var sends: UInt32?

    init(options: RewriteOptions, spec: SenderSpec) {
        header = spec.framing?.header ?? 0
        chunk = Int(spec.chunk ?? 64 << 10)
        rewriteAfterSend = options.rewriteAfterSend
    }

    mutating func send(_ transfer: Transfer, _ context: inout SendContext) throws(Errno) {
        let socket = transfer.socket
        try context.log.record("setsockopt", "SO_ZEROCOPY=1") { () throws(Errno) in
            try TCPSocket(descriptor: socket).setOption(level: SOL_SOCKET, name: SO_ZEROCOPY, 1)
            return 0
        }
        var source = try VectoredSource(transfer, header: header, chunk: chunk, privateCopy: rewriteAfterSend != nil, &context)
        defer { source.release() }
        var sends: UInt32 = 0
        defer { self.sends = sends }
        do {
            while !source.isDone {
                let vectors = source.nextVectors
                guard let moved = try completions.attempt(on: socket, { () throws(Errno) in
                    try context.log.record("sendmsg", "fd=\(socket.rawValue) \(VectoredSource.describe(vectors)) flags=MSG_ZEROCOPY") {
                        () throws(Errno) in try socket.sendMessage(vectors, flags: Int32(MSG_ZEROCOPY))
                    }
                }) else { continue }
                sends += 1
                source.advance(by: moved)
                context.sent += UInt64(moved)
                try completions.drain(socket)
            }
        } catch {
            try? completions.awaitAll(sends, on: socket, nanoseconds: 10_000_000_000)  // the sends made still hold the pages
            throw error
        }
        if let rewriteAfterSend { source.rewriteLast(rewriteAfterSend, &context, after: "sendmsg") }
        // The pages must outlive the sends: wait for every completion.
        try completions.awaitAll(sends, on: socket, nanoseconds: 10_000_000_000)
    }

    var report: SendPathReport? { sends.map { .zerocopy(ZerocopyReport(sends: $0, notifications: completions.notifications)) } }
}

/// The vectored paths' key: send the file's bytes from a private copy and
/// rewrite this many bytes of its last chunk once every call returned.
public struct RewriteOptions: SendPathOptions, Equatable {
    public enum Key: String, CaseIterable { case rewriteAfterSend = "rewrite_after_send" }
    public var rewriteAfterSend: UInt64?

    public init() {}

    public init(_ keys: SenderKeys<Key>) throws(ScenarioError) {
        rewriteAfterSend = try keys.bytes(.rewriteAfterSend)
    }
}
