/// IORING_OP_SENDMSG_ZC of an iovec: the scenario's header and the file's
/// pages in one request, as `sendmsg-zerocopy` does with sendmsg(2), then the
/// rest of the file `chunk` bytes a request. One request in flight: each
/// result is awaited before the next, then every notification. With
/// `rewrite_after_send` the file's bytes come from a private copy whose last
/// chunk is rewritten once every result came (`sender.marked`).
struct IoUringSendmsgZcPath: SendPath {
    static let summary = "io_uring IORING_OP_SENDMSG_ZC of the same iovec, one request in flight, usage reported"
    static let blockingCall = "io_uring_enter"
    static let syscalls = ["io_uring_setup", "pread", "mmap", "sendmsg_zc", "modify"]
    static func ioUringRequests(_ options: RewriteOptions) -> [IoUringRing.Request] { [.init(.sendMessageZerocopy, flags: .reportUsage)] }
    static let carriesHeader = true
    let header: UInt64
    let chunk: Int
    let rewriteAfterSend: UInt64?
    /// Every completion, in the order reaped; nil until the ring exists.
    private var completions: IoUringReport?

    init(options: RewriteOptions, spec: SenderSpec) {
        header = spec.framing?.header ?? 0
        chunk = Int(spec.chunk ?? 64 << 10)
        rewriteAfterSend = options.rewriteAfterSend
    }

    var report: SendPathReport? { completions.map { .uring($0) } }

    mutating func send(_ transfer: Transfer, _ context: inout SendContext) throws(Errno) {
        let socket = transfer.socket.rawValue
        let ring = try context.log.record("io_uring_setup", "entries=64", returnValue: { _ in 0 }) { () throws(Errno) in
            try IoUringRing(entries: 64)
        }
        var ledger = IoUringLedger(reportUsage: true)
        defer { completions = ledger.finish() }
        var source = try VectoredSource(transfer, header: header, chunk: chunk, privateCopy: rewriteAfterSend != nil, &context)
        defer { source.release() }
        do {
            var request: UInt64 = 0
            while !source.isDone {
                let vectors = source.nextVectors
                let offered = vectors.reduce(0) { $0 + $1.count }
                let moved = try context.log.record(
                    "sendmsg_zc", "fd=\(socket) \(VectoredSource.describe(vectors)) zc_flags=IORING_SEND_ZC_REPORT_USAGE"
                ) { () throws(Errno) in
                    try ring.sendMessageZerocopy(vectors, on: socket, options: .reportUsage, userData: request)
                    return try ledger.awaitResult(of: request, on: ring)
                }
                ledger.report.sends += 1
                if moved < offered { ledger.report.shortSends += 1 }
                request += 1
                source.advance(by: moved)
                context.sent += UInt64(moved)
            }
        } catch {
            try? ledger.reapNotifications(ring, milliseconds: 10_000)  // the requests made still hold the pages
            throw error
        }
        if let rewriteAfterSend { source.rewriteLast(rewriteAfterSend, &context, after: "every SENDMSG_ZC result") }
        // The pages must outlive the requests: wait for every notification.
        try ledger.reapNotifications(ring, milliseconds: 10_000)
    }
}
