#if canImport(Glibc)
import Glibc
#endif
import Yams

/// One way of moving the test file into the socket: its options, its loop
/// and its state. The sender agent connects, opens the file and sends any
/// header; then the path of the scenario's `method` (`SendMethod.path`)
/// sends the file, and reports what it observed beyond its calls.
protocol SendPath {
    /// The `sender:` keys only this path reads, and their values.
    associatedtype Options: SendPathOptions = NoOptions
    /// What it does, in a line, for `zclab methods` and the docs.
    static var summary: String { get }
    /// The syscall a sender of this path sleeps in when the socket is full:
    /// what the `sender.blocked` trigger looks for in /proc/PID/syscall.
    static var blockingCall: String { get }
    /// Whether the path sends the scenario's `header` itself, in the same
    /// call as the file's first bytes (otherwise the agent sends it first).
    static var carriesHeader: Bool { get }
    /// The io_uring requests it makes with `options`: a kernel without one
    /// of them, or without a flag it sets, skips its scenarios, naming it.
    static func ioUringRequests(_ options: Options) -> [IoUringRing.Request]
    /// The names its calls have in the log, and so in `sender.CALL.*` keys.
    static var syscalls: [String] { get }
    /// Whether the MSG_ZEROCOPY reference model follows its sends' ids.
    static var modeled: Bool { get }
    /// Whether it sends over UDP too (`transport: udp`): its calls work on
    /// any socket, each call's bytes a datagram.
    static var sendsDatagrams: Bool { get }
    init(options: Options, spec: SenderSpec)
    /// Sends `transfer.size` bytes of `transfer.file`; what the calls
    /// reported adds up in `context.sent`, each call in `context.log`.
    mutating func send(_ transfer: Transfer, _ context: inout SendContext) throws(Errno)
    /// What this path observed beyond its calls, for the sender's result.
    var report: SendPathReport? { get }
}

extension SendPath {
    static var carriesHeader: Bool { false }
    static func ioUringRequests(_ options: Options) -> [IoUringRing.Request] { [] }
    static var modeled: Bool { false }
    static var sendsDatagrams: Bool { false }
    var report: SendPathReport? { nil }

    /// The `sender:` keys of `Options`.
    static var optionKeys: [String] { Options.keyWords }

    /// `ioUringRequests` of a sender's options (none when they are another path's).
    static func ioUringRequests(of options: any SendPathOptions) -> [IoUringRing.Request] {
        (options as? Options).map(ioUringRequests) ?? []
    }

    /// What the path does when the scenario sets none of its keys.
    static var defaultOptions: any SendPathOptions { Options() }

    /// Reads this path's options from a scenario's `sender:` section.
    static func readOptions(_ reader: ScenarioReader, _ items: [String: Node]) throws(ScenarioError) -> any SendPathOptions {
        try Options(SenderKeys(reader: reader, items: items))
    }

    /// Decodes this path's options from a sender agent's configuration.
    static func decodeOptions(from decoder: any Decoder) throws -> any SendPathOptions { try Options(from: decoder) }

    /// The path for `spec`, whose options were read or decoded as this path's.
    static func make(_ spec: SenderSpec) -> Self? {
        (spec.options as? Options).map { Self(options: $0, spec: spec) }
    }
}

/// The connection and the file a path sends, both open.
struct Transfer {
    let file: FileDescriptor
    let size: UInt64
    let socket: FileDescriptor
    let transport: Transport
}

/// What every send path shares with the sender agent: its log, its channel
/// to the runner, the bytes sent, and what must outlive the send.
struct SendContext {
    var log = SyscallLog(actor: "sender")
    var channel: AgentChannel
    /// Bytes the send calls reported as sent.
    var sent: UInt64 = 0
    /// The mapping being sent from, to place fault addresses in the file.
    var mapping: FileMapping?
    var mappingOffset: UInt64 = 0
    /// Descriptors kept open until the sender exits (a lease's second
    /// descriptor, the unread ends of sockets and pipes).
    var keptOpen: [FileDescriptor] = []

    /// write(2) until `bytes` are all in the socket; EINTR is logged and the
    /// call made again, as a server would.
    mutating func writeAll(_ bytes: UnsafeRawBufferPointer, to socket: FileDescriptor) throws(Errno) {
        var done = 0
        while done < bytes.count {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[done...])
            let written: Int
            do {
                written = try log.record("write", "fd=\(socket.rawValue) count=\(rest.count)") { () throws(Errno) in
                    try socket.write(rest, retryOnInterrupt: false)
                }
            } catch .interrupted {
                continue
            }
            done += written
            sent += UInt64(written)
        }
    }

    /// A pipe whose capacity is `wanted` (F_SETPIPE_SZ), or the default 64 KiB.
    mutating func pipe(capacity wanted: Int?) throws(Errno) -> (read: FileDescriptor, write: FileDescriptor, capacity: Int) {
        let pipe = try FileDescriptor.pipe()
        guard let wanted else { return (pipe.read, pipe.write, 65536) }
        do {
            let capacity = try log.record("fcntl", "fd=\(pipe.write.rawValue) F_SETPIPE_SZ \(wanted)") { () throws(Errno) in
                try pipe.write.setPipeCapacity(wanted)
            }
            return (pipe.read, pipe.write, capacity)
        } catch {
            try? pipe.read.close()
            try? pipe.write.close()
            throw error
        }
    }

    /// splice(2) of `count` bytes from the pipe to the socket, calling again
    /// after EINTR (logged) and short counts. SPLICE_F_MORE on TCP (more
    /// follows); not on UDP, where it would cork each datagram into the next.
    mutating func drain(_ pipe: FileDescriptor, count: Int, to socket: FileDescriptor, transport: Transport) throws(Errno) {
        var drained = 0
        while drained < count {
            let moved: Int
            do {
                let flags: FileDescriptor.SpliceFlags = transport == .tcp ? .more : []
                moved = try log.record("splice", "fd_in=\(pipe.rawValue) fd_out=\(socket.rawValue) len=\(count - drained)") {
                    () throws(Errno) in
                    try pipe.splice(to: socket, inputOffset: nil, count: count - drained, flags: flags, retryOnInterrupt: false)
                }
            } catch .interrupted {
                continue
            }
            drained += moved
            sent += UInt64(moved)
        }
    }

    /// A shared read-only mapping of the whole file, logged as mmap(2).
    mutating func mapWhole(_ transfer: Transfer) throws(Errno) -> FileMapping {
        try log.record("mmap", "length=\(transfer.size) prot=PROT_READ flags=MAP_SHARED offset=0", returnValue: { _ in 0 }) {
            () throws(Errno) in try FileMapping(transfer.file, offset: 0, length: Int(transfer.size), sharing: .shared)
        }
    }

    /// A step that is no syscall: the program changed its own buffer.
    mutating func logModify(offset: Int, length: Int, _ when: String) {
        log.append(SyscallStep(
            actor: "sender", call: "modify", arguments: "buffer offset=\(offset) length=\(length) (\(when))",
            calls: 1, returned: Int64(length), returnMin: nil, returnMax: nil, errno: nil, signal: nil, durationNs: 0))
    }
}

/// A heap copy of the whole file, page-aligned, for the paths that send from
/// the program's own memory (and may rewrite it) rather than from the file.
final class PrivateCopy {
    let bytes: UnsafeMutableRawBufferPointer
    let count: Int

    init(of transfer: Transfer) throws(Errno) {
        count = Int(transfer.size)
        bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 4096)
        do {
            try transfer.file.readAll(into: UnsafeMutableRawBufferPointer(rebasing: bytes[0 ..< count]))
        } catch {
            bytes.deallocate()
            throw error
        }
    }

    deinit { bytes.deallocate() }

    /// Bytes `range` of the copy.
    subscript(range: Range<Int>) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[range]) }

    /// Overwrites `range` with the pattern of `ZerocopyStep.modifySeed`, so
    /// the wire check can name the bytes "new".
    func rewrite(_ range: Range<Int>) {
        PatternContent(count: UInt64(count), seed: ZerocopyStep.modifySeed)
            .fill(UnsafeMutableRawBufferPointer(rebasing: bytes[range]), at: UInt64(range.lowerBound))
    }
}
