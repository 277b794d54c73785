/// sendfile(2) from the file to the socket: in a loop until the whole file
/// has gone or a call returns 0, or as the scenario's `script` of single
/// calls at chosen offsets (across 2^31 and 2^32, past the end, NULL offset).
struct SendfilePath: SendPath {
    static let summary = "sendfile(2) from the file to the socket, or the single calls of a `script`"
    static let blockingCall = "sendfile"
    static let syscalls = ["sendfile", "lseek"]
    static let sendsDatagrams = true
    /// Bytes asked per call; nil asks for the whole rest of the file.
    let chunk: UInt64?
    let script: [ScriptedCall]?
    /// What each scripted call gave.
    private var results: [ScriptedCall.Result] = []

    init(options: SendfileOptions, spec: SenderSpec) {
        chunk = spec.chunk
        script = options.script
    }

    mutating func send(_ transfer: Transfer, _ context: inout SendContext) throws(Errno) {
        if let script {
            try run(script, transfer, &context)
            return
        }
        var offset: Int64 = 0
        while context.sent < transfer.size {
            let count = Int(min(chunk ?? transfer.size, transfer.size - context.sent))
            let before = offset
            let moved: Int
            do {
                moved = try context.log.record(
                    "sendfile", "out_fd=\(transfer.socket.rawValue) in_fd=\(transfer.file.rawValue) offset=\(before) count=\(count)"
                ) { () throws(Errno) in
                    try transfer.socket.sendfile(from: transfer.file, offset: &offset, count: count, retryOnInterrupt: false)
                }
            } catch .interrupted {
                continue  // logged; a server calls again
            }
            if moved == 0 { return }
            context.sent += UInt64(moved)
        }
    }

    var report: SendPathReport? { script == nil ? nil : .script(results) }

    /// The scripted calls, each reported with its result and the offset after
    /// it (the offset variable, or the file position for NULL).
    private mutating func run(_ script: [ScriptedCall], _ transfer: Transfer, _ context: inout SendContext) throws(Errno) {
        let (file, socket) = (transfer.file, transfer.socket)
        for call in script {
            if let position = call.lseek {
                _ = try context.log.record("lseek", "fd=\(file.rawValue) offset=\(position) SEEK_SET") { () throws(Errno) in
                    try file.seek(to: position)
                }
            }
            var result = ScriptedCall.Result(returned: nil, errno: nil, offsetAfter: 0)
            do {
                if let start = call.offset {
                    var offset = start
                    defer { result.offsetAfter = offset }
                    let moved = try context.log.record(
                        "sendfile", "out_fd=\(socket.rawValue) in_fd=\(file.rawValue) offset=\(start) count=\(call.count)"
                    ) { () throws(Errno) in try socket.sendfile(from: file, offset: &offset, count: Int(call.count), retryOnInterrupt: false) }
                    result.returned = Int64(moved)
                } else {
                    let moved = try context.log.record(
                        "sendfile", "out_fd=\(socket.rawValue) in_fd=\(file.rawValue) offset=NULL count=\(call.count)"
                    ) { () throws(Errno) in try socket.sendfile(fromPositionOf: file, count: Int(call.count)) }
                    result.returned = Int64(moved)
                    result.offsetAfter = try file.position()
                }
                context.sent += UInt64(result.returned ?? 0)
            } catch {
                result.errno = error.name
                if call.offset == nil { result.offsetAfter = (try? file.position()) ?? -1 }
            }
            results.append(result)
        }
    }
}

/// One sendfile(2) call of a script: from `offset`, or (nil) from the file
/// position, after an optional lseek(2).
public struct ScriptedCall: Codable, Sendable, Equatable {
    public var lseek: Int64?
    public var offset: Int64?
    public var count: UInt64

    public init(lseek: Int64? = nil, offset: Int64? = nil, count: UInt64) {
        self.lseek = lseek
        self.offset = offset
        self.count = count
    }

    /// What the call gave.
    public struct Result: Codable, Sendable, Equatable {
        public var returned: Int64?
        public var errno: String?
        /// The offset variable after the call, or the file position for a NULL offset.
        public var offsetAfter: Int64

        enum CodingKeys: String, CodingKey {
            case returned = "return", errno, offsetAfter = "offset_after"
        }
    }

    /// The file range this call should send from a file of `size` bytes
    /// whose position is `position` (updated as a NULL-offset call would).
    public func intendedRange(size: UInt64, position: inout Int64) -> ByteRange {
        if let lseek { position = lseek }
        let start = offset ?? position
        guard start >= 0, UInt64(start) < size else { return ByteRange(lower: 0, upper: 0) }
        let end = min(size, UInt64(start) + count)
        if offset == nil { position = Int64(end) }
        return ByteRange(lower: UInt64(start), upper: end)
    }
}

/// sendfile's own key: a `script` of single calls instead of the whole file.
public struct SendfileOptions: SendPathOptions, Equatable {
    public enum Key: String, CaseIterable { case script }
    public var script: [ScriptedCall]?

    public init() {}

    public init(_ keys: SenderKeys<Key>) throws(ScenarioError) {
        guard let node = keys[.script] else { return }
        guard let list = node.sequence, !list.isEmpty else {
            throw keys.error(.script, "script must be a list of calls like {offset: 4GiB, count: 4KiB}")
        }
        let reader = keys.reader
        script = try list.map { (item) throws(ScenarioError) in
            let fields = try reader.fields(item, in: "a scripted call", allowed: ["offset", "count", "lseek"])
            guard let count = fields["count"] else { throw reader.error(item, "a scripted call needs a count") }
            return ScriptedCall(
                lseek: try fields["lseek"].map { (node) throws(ScenarioError) in try reader.signedBytes(node, "lseek") },
                offset: try fields["offset"].map { (node) throws(ScenarioError) in try reader.signedBytes(node, "offset") },
                count: try reader.bytes(count, "count"))
        }
    }
}
