#if canImport(Glibc)
import Glibc
#endif

/// Something an actor does to the test file while the transfer runs.
public enum FileOperation: Codable, Sendable, Equatable {
    /// truncate(2) the file to `size` (shrinking or extending it).
    case truncate(size: UInt64)
    /// pwrite(2) `length` bytes of the pattern of `seed` at `offset`: new
    /// data, distinguishable from the original by its seed.
    case overwrite(offset: UInt64, length: UInt64, seed: UInt64)
    /// open(2) with `flags` ("O_WRONLY", "O_TRUNC", "O_NONBLOCK"...), then close.
    case open(flags: [String])
    /// open(2) O_RDWR, then ftruncate(2) that descriptor to `size`.
    case ftruncate(size: UInt64)

    /// The open(2) flags a scenario may name.
    public static let openFlags: [String: FileDescriptor.OpenOptions] = [
        "O_RDONLY": .readOnly, "O_WRONLY": .writeOnly, "O_RDWR": .readWrite,
        "O_TRUNC": .truncate, "O_NONBLOCK": .nonBlocking,
    ]
}

/// What an actor agent is told to do.
public struct ActorConfig: Codable, Sendable {
    public var path: String
    public var operation: FileOperation
}

/// A third process that acts on the test file (truncates, overwrites) at the
/// moment the runner chooses, so that the sender sees another process's
/// change, as a server sees an administrator's. Runs as `zclab agent actor`.
public struct ActorAgent {
    let config: ActorConfig
    var channel: AgentChannel
    var log = SyscallLog(actor: "actor")

    public init(config: ActorConfig, channel: AgentChannel) {
        self.config = config
        self.channel = channel
    }

    public mutating func run() -> Never {
        var failure: String?
        do {
            try perform(config.operation)
        } catch {
            failure = "\(error)"
        }
        channel.send(.done(AgentOutcome(steps: log.steps, result: .actor(failure: failure))))
        exit(0)
    }

    private mutating func perform(_ operation: FileOperation) throws(Errno) {
        let path = config.path
        switch operation {
        case .truncate(let size):
            try log.record("truncate", "path=\(path) length=\(size)") { () throws(Errno) in
                try syscall { Glibc.truncate(path, off_t(size)) }
            }
        case .overwrite(let offset, let length, let seed):
            let file = try FileDescriptor.open(path, .writeOnly)
            defer { try? file.close() }
            let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: Int(length), alignment: 8)
            defer { bytes.deallocate() }
            TestPattern(seed: seed).fill(bytes, at: offset)
            try log.record("pwrite", "fd=\(file.rawValue) offset=\(offset) count=\(length)") { () throws(Errno) in
                try file.writeAll(UnsafeRawBufferPointer(bytes), at: Int64(offset))
                return Int(length)
            }
        case .open(let flags):
            let options = flags.reduce(FileDescriptor.OpenOptions()) { $0.union(FileOperation.openFlags[$1] ?? []) }
            let fd = try log.record("open", "path=\(path) flags=\(flags.joined(separator: "|"))") { () throws(Errno) in
                try FileDescriptor.open(path, options, retryOnInterrupt: false).rawValue
            }
            try? FileDescriptor(rawValue: fd).close()
        case .ftruncate(let size):
            let fd = try log.record("open", "path=\(path) flags=O_RDWR") { () throws(Errno) in
                try FileDescriptor.open(path, .readWrite, retryOnInterrupt: false).rawValue
            }
            defer { try? FileDescriptor(rawValue: fd).close() }
            try log.record("ftruncate", "fd=\(fd) length=\(size)") { () throws(Errno) in
                try FileDescriptor(rawValue: fd).truncate(to: Int64(size))
                return 0
            }
        }
    }
}
