#if canImport(Glibc)
import Glibc
#endif

/// How a file is copied to another file in the kernel.
public enum CopyMethod: String, Codable, Sendable, CaseIterable {
    case sendfile
    case copyFileRange = "copy_file_range"
}

/// What a copy agent is told to do.
public struct CopyConfig: Codable, Sendable {
    public var source: String
    public var destination: String
    public var method: CopyMethod
    /// Bytes asked for per call; nil: the whole rest of the file.
    public var chunk: UInt64?
    /// The source's content, to check the copy against.
    public var expected: TestFileSpec
}

/// What came of a copy.
public struct CopyReport: Codable, Sendable, Equatable {
    public var bytes: UInt64
    public var check: StreamCheck
    /// st_blocks × 512 of the source and of the copy: whether holes survived.
    public var sourceAllocated: UInt64
    public var destinationAllocated: UInt64
    /// The errno that stopped the copy, if one did.
    public var error: String?

    enum CodingKeys: String, CodingKey {
        case bytes, check, error
        case sourceAllocated = "source_allocated", destinationAllocated = "destination_allocated"
    }
}

/// Copies the test file to another file with sendfile(2) or
/// copy_file_range(2), logging each call, then reads the copy back and checks
/// it byte for byte. Runs as `zclab agent copy`.
public struct CopyAgent {
    let config: CopyConfig
    var channel: AgentChannel
    var log = SyscallLog(actor: "copier")

    public init(config: CopyConfig, channel: AgentChannel) {
        self.config = config
        self.channel = channel
    }

    public mutating func run() -> Never {
        do {
            let report = try copy()
            channel.send(.done(AgentOutcome(steps: log.steps, result: .copy(report))))
            exit(0)
        } catch {
            channel.fail("copy: \(error)")
        }
    }

    private mutating func copy() throws(Errno) -> CopyReport {
        let source = try FileDescriptor.open(config.source, .readOnly)
        defer { try? source.close() }
        let destination = try FileDescriptor.open(config.destination, [.writeOnly, .create, .truncate])
        let size = UInt64(try source.size())
        var copied: UInt64 = 0
        var inputOffset: Int64 = 0
        var outputOffset: Int64 = 0
        var failure: String?
        do {
            try copyLoop(source, destination, size: size, copied: &copied, inputOffset: &inputOffset, outputOffset: &outputOffset)
        } catch {
            failure = error.name  // logged in the steps; what was copied is still checked
        }
        try destination.close()
        let check = try verify(config.destination)
        let copy = try FileDescriptor.open(config.destination, .readOnly)
        defer { try? copy.close() }
        return CopyReport(
            bytes: copied, check: check,
            sourceAllocated: UInt64(try source.allocatedBlocks()) * 512,
            destinationAllocated: UInt64(try copy.allocatedBlocks()) * 512, error: failure)
    }

    private mutating func copyLoop(
        _ source: FileDescriptor, _ destination: FileDescriptor, size: UInt64,
        copied: inout UInt64, inputOffset: inout Int64, outputOffset: inout Int64
    ) throws(Errno) {
        while copied < size {
            let count = Int(min(config.chunk ?? size, size - copied))
            let before = inputOffset
            let moved: Int
            switch config.method {
            case .sendfile:
                moved = try log.record("sendfile", "out_fd=\(destination.rawValue) in_fd=\(source.rawValue) offset=\(before) count=\(count)") {
                    () throws(Errno) in try destination.sendfile(from: source, offset: &inputOffset, count: count)
                }
            case .copyFileRange:
                moved = try log.record("copy_file_range", "fd_in=\(source.rawValue) off_in=\(before) fd_out=\(destination.rawValue) len=\(count)") {
                    () throws(Errno) in try destination.copyFileRange(from: source, inputOffset: &inputOffset, outputOffset: &outputOffset, count: count)
                }
            }
            if moved == 0 { break }
            copied += UInt64(moved)
        }
    }

    /// Reads the copy back and checks it against the source's content.
    private func verify(_ path: String) throws(Errno) -> StreamCheck {
        try FileReadBack.compare(path, with: config.expected.content)
    }
}
