#if canImport(Glibc)
import Glibc
#endif

/// What a pipe agent is told to do.
public struct PipeConfig: Codable, Sendable {
    /// The test file, opened read-only.
    public var file: String
    public var content: TestFileSpec
    public var steps: [PipeStep]
}

/// What came of a pipe workload: each pipe's reading, whether the pages
/// vmsplice lent are as they were, and the errno that stopped the steps.
public struct PipeReport: Codable, Sendable, Equatable {
    /// One pipe's bytes read and the first that differs from what was put in.
    public struct Stream: Codable, Sendable, Equatable {
        public var bytesRead: UInt64
        public var firstMismatch: UInt64?

        enum CodingKeys: String, CodingKey {
            case bytesRead = "bytes_read", firstMismatch = "first_mismatch"
        }
    }

    public var pipe: Stream
    /// The second pipe, when a step teed into it.
    public var tee: Stream?
    /// nil when no step vmspliced.
    public var userPagesIntact: Bool?
    public var error: String?

    enum CodingKeys: String, CodingKey {
        case pipe, tee, error
        case userPagesIntact = "user_pages_intact"
    }
}

/// Runs a pipe workload's steps on the test file, opened read-only, and
/// non-blocking pipes, logging each call; tracks what each call put in and
/// checks every byte read against it; reads both pipes empty at the end,
/// even after a failed step, so no byte goes unchecked. Runs as `zclab agent pipe`.
public struct PipeAgent {
    let config: PipeConfig
    var channel: AgentChannel
    var log = SyscallLog(actor: "pipe")
    /// The pages vmsplice lent the pipe, kept until the pipe is read empty.
    private var lent: [UserPages] = []
    /// Bytes of the write pattern and of the user-pages pattern used so far.
    private var written: UInt64 = 0
    private var lentBytes: UInt64 = 0

    public init(config: PipeConfig, channel: AgentChannel) {
        self.config = config
        self.channel = channel
    }

    public mutating func run() -> Never {
        do {
            let report = try runSteps()
            channel.send(.done(AgentOutcome(steps: log.steps, result: .pipe(report))))
            exit(0)
        } catch {
            channel.fail("pipe: \(error)")
        }
    }

    private mutating func runSteps() throws(Errno) -> PipeReport {
        let path = config.file
        let file = try log.record("open", "\(path) O_RDONLY", returnValue: { Int64($0.rawValue) }) { () throws(Errno) in
            try FileDescriptor.open(path, .readOnly)
        }
        defer { try? file.close() }
        var main = try TestedPipe()
        var second: TestedPipe?
        defer {
            main.close()
            second?.close()
        }
        var failure: String?
        do {
            for step in config.steps { try perform(step, file: file, on: &main, second: &second) }
        } catch {
            failure = error.name  // logged in the steps; what is in the pipes is still read and checked
        }
        try drain(&main)
        if var teed = second {
            try drain(&teed)
            second = teed
        }
        return PipeReport(
            pipe: main.report, tee: second?.report,
            userPagesIntact: lent.isEmpty ? nil : lent.allSatisfy { $0.holds(PipeSpec.userPagesPattern) }, error: failure)
    }

    private mutating func perform(_ step: PipeStep, file: FileDescriptor, on pipe: inout TestedPipe, second: inout TestedPipe?) throws(Errno) {
        let input = pipe.write
        switch step {
        case .splice(let offset, let length):
            var position = Int64(offset)
            let moved = try log.record("splice", "fd_in=\(file.rawValue) off_in=\(offset) fd_out=\(input.rawValue) len=\(length) flags=SPLICE_F_NONBLOCK") {
                () throws(Errno) in try file.splice(to: input, inputOffset: &position, count: Int(length), flags: .nonBlocking)
            }
            pipe.reading.put(config.content.content, offset: offset, count: UInt64(moved))
        case .vmsplice(let length):
            let pages = UserPages(length: Int(length), pattern: PipeSpec.userPagesPattern, at: lentBytes)
            lent.append(pages)
            lentBytes += UInt64(pages.bytes.count)
            let moved = try log.record("vmsplice", "fd=\(input.rawValue) len=\(length) flags=SPLICE_F_NONBLOCK") { () throws(Errno) in
                try input.vmsplice(UnsafeRawBufferPointer(rebasing: pages.bytes[0..<Int(length)]), flags: .nonBlocking)
            }
            pipe.reading.put(PipeSpec.userPagesPattern, offset: pages.offset, count: UInt64(moved))
        case .write(let length):
            try write(Int(length), into: &pipe)
        case .fill:
            let capacity = try log.record("fcntl", "fd=\(input.rawValue) F_GETPIPE_SZ") { () throws(Errno) in try input.pipeCapacity() }
            try write(capacity, into: &pipe)
        case .read(let length):
            try read(Int(length), from: &pipe)
        case .drain:
            try drain(&pipe)
        case .tee(let length):
            var target: TestedPipe
            if let existing = second { target = existing } else { target = try TestedPipe() }
            defer { second = target }
            let held = pipe.reading.expected.count, output = target.write
            let moved = try log.record("tee", "fd_in=\(pipe.read.rawValue) fd_out=\(output.rawValue) len=\(held) flags=SPLICE_F_NONBLOCK") {
                () throws(Errno) in try pipe.read.tee(to: output, count: Int(held), flags: .nonBlocking)
            }
            target.reading.put(pipe.reading.expected.prefix(UInt64(moved)))
            if length > 0 { try write(Int(length), into: &target) }
        }
    }

    /// write(2) of the next `count` bytes of the write pattern.
    private mutating func write(_ count: Int, into pipe: inout TestedPipe) throws(Errno) {
        let pattern = PipeSpec.writePattern, end = pipe.write
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 8)
        defer { buffer.deallocate() }
        pattern.fill(buffer, at: written)
        let moved = try log.record("write", "fd=\(end.rawValue) count=\(count)") { () throws(Errno) in try end.write(UnsafeRawBufferPointer(buffer)) }
        pipe.reading.put(pattern, offset: written, count: UInt64(moved))
        written += UInt64(moved)
    }

    /// One read(2) of up to `count` bytes, checked.
    private mutating func read(_ count: Int, from pipe: inout TestedPipe) throws(Errno) {
        let end = pipe.read
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 8)
        defer { buffer.deallocate() }
        let got = try log.record("read", "fd=\(end.rawValue) count=\(count)") { () throws(Errno) in try end.read(into: buffer) }
        pipe.reading.check(UnsafeRawBufferPointer(rebasing: buffer[0..<got]))
    }

    /// Reads all the pipe holds, as FIONREAD counts it; nothing when it is empty.
    private mutating func drain(_ pipe: inout TestedPipe) throws(Errno) {
        let end = pipe.read
        let held = try log.record("ioctl", "fd=\(end.rawValue) FIONREAD") { () throws(Errno) in try end.readableBytes() }
        if held > 0 { try read(held, from: &pipe) }
    }
}

/// A non-blocking pipe and what it must give back.
struct TestedPipe {
    let read: FileDescriptor
    let write: FileDescriptor
    var reading = PipeReading()

    init() throws(Errno) {
        (read, write) = try FileDescriptor.pipe(nonBlocking: true)
    }

    var report: PipeReport.Stream { PipeReport.Stream(bytesRead: reading.bytesRead, firstMismatch: reading.firstMismatch) }

    func close() {
        try? read.close()
        try? write.close()
    }
}
