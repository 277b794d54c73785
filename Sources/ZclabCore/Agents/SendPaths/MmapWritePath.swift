#if canImport(Glibc)
import Glibc
#endif

/// mmap(2) windows of the file and write(2) from them: the kernel copies
/// from the page cache, and a truncation under the mapping shows as a short
/// write or a SIGBUS.
struct MmapWritePath: SendPath {
    static let summary = "mmap(2) the file (up to `map_window` at a time) and write(2) from the mapping"
    static let blockingCall = "write"
    static let syscalls = ["mmap", "write", "touch"]
    static let sendsDatagrams = true
    /// Bytes mapped at a time, a whole number of pages (1 GiB by default).
    let window: UInt64
    let sharing: FileMapping.Sharing
    /// Bytes per write; nil writes the whole window at once.
    let chunk: UInt64?
    /// When a write stops short, read the rest of the mapping from user space.
    let touchAfterShortWrite: Bool
    let sigbus: MappingOptions.Sigbus

    init(options: MappingOptions, spec: SenderSpec) {
        let page = UInt64(pageSize)
        window = max(page, (options.window ?? 1 << 30) / page * page)
        sharing = options.sharing
        chunk = spec.chunk
        touchAfterShortWrite = options.touchAfterShortWrite
        sigbus = options.sigbus
    }

    mutating func send(_ transfer: Transfer, _ context: inout SendContext) throws(Errno) {
        var offset: UInt64 = 0
        while offset < transfer.size {
            let length = Int(min(window, transfer.size - offset))
            let mapping = try context.log.record(
                "mmap", "length=\(length) prot=PROT_READ flags=\(sharing == .shared ? "MAP_SHARED" : "MAP_PRIVATE") offset=\(offset)",
                returnValue: { _ in 0 }
            ) { () throws(Errno) in try FileMapping(transfer.file, offset: Int64(offset), length: length, sharing: sharing) }
            context.mapping = mapping
            context.mappingOffset = offset
            let chunk = Int(self.chunk ?? UInt64(length))
            var position = 0
            do {
                while position < length {
                    let end = min(length, position + chunk)
                    try context.writeAll(UnsafeRawBufferPointer(rebasing: mapping.bytes[position..<end]), to: transfer.socket)
                    position = end
                }
            } catch {
                if touchAfterShortWrite {
                    Self.touch(mapping, from: Int(context.sent - offset), mappingOffset: offset, sigbus: sigbus, &context)
                }
                throw error
            }
            mapping.unmap()
            context.mapping = nil
            offset += UInt64(length)
        }
    }

    /// Reads the mapping from `start` on, from user space, and logs whether
    /// that raised a signal (as a "touch" step: not a syscall, a memory access).
    /// With `sigbus: default` a fault kills the sender instead, as in a
    /// program with no handler: its end says so (killed by SIGBUS).
    private static func touch(
        _ mapping: FileMapping, from start: Int, mappingOffset: UInt64, sigbus: MappingOptions.Sigbus, _ context: inout SendContext
    ) {
        let rest = UnsafeRawBufferPointer(rebasing: mapping.bytes[min(start, mapping.length)...])
        if sigbus == .defaultDisposition { SignalRecorder.touchUnguarded(rest) }
        let began = monotonicNanoseconds()
        let fault = SignalRecorder.touch(rest, in: mapping.bytes, mappingOffset: mappingOffset)
        context.log.append(SyscallStep(
            actor: "sender", call: "touch", arguments: "mapping offset=\(UInt64(start) + mappingOffset) length=\(rest.count)",
            calls: 1, returned: fault == nil ? Int64(rest.count) : nil, returnMin: nil, returnMax: nil, errno: nil,
            signal: fault.map { "\($0.signal) \($0.code) at file offset \($0.fileOffset.map(String.init) ?? "?")" },
            durationNs: monotonicNanoseconds() - began))
    }
}

/// How mmap-write maps the file.
public struct MappingOptions: SendPathOptions, Equatable {
    public enum Key: String, CaseIterable {
        case mapping, mapWindow = "map_window", touchAfterShortWrite = "touch_after_short_write", sigbus
    }

    /// What a fault in the touch does (`sigbus:`).
    public enum Sigbus: String, Codable, Sendable, CaseIterable {
        /// Recorded by the guarded read, which goes on (the default).
        case recorded
        /// The default disposition: the sender dies of it.
        case defaultDisposition = "default"
    }
    /// `mapping: shared` (MAP_SHARED, the default) or `private` (MAP_PRIVATE).
    public var sharing: FileMapping.Sharing = .shared
    /// Bytes mapped at a time (a sliding window); nil maps up to 1 GiB.
    public var window: UInt64?
    /// When a write stops short, read the rest of the mapping from user
    /// space (a guarded read that records SIGBUS instead of dying).
    public var touchAfterShortWrite = false
    /// Whether a fault in that read is recorded, or kills the sender as SIGBUS's default disposition does.
    public var sigbus = Sigbus.recorded

    public init() {}

    public init(_ keys: SenderKeys<Key>) throws(ScenarioError) {
        sharing = try keys.choice(.mapping, FileMapping.Sharing.self) ?? .shared
        window = try keys.integer(.mapWindow, UInt64(4096)...UInt64(Int.max))
        touchAfterShortWrite = try keys.bool(.touchAfterShortWrite) ?? false
        sigbus = try keys.choice(.sigbus, Sigbus.self) ?? .recorded
        if sigbus == .defaultDisposition && !touchAfterShortWrite {
            throw keys.error(.sigbus, "sigbus says what a fault in the read after a short write does: it needs touch_after_short_write: true")
        }
    }
}
