import CZclabLinux
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How a child process ended.
public enum Termination: Sendable, Equatable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)

    public var description: String {
        switch self {
        case .exited(let code): "exited with status \(code)"
        case .signaled(let signal): "killed by \(signalName(signal))"
        }
    }
}

/// A child process started with posix_spawn(2), in its own process group so a
/// Ctrl-C reaches only the runner, which then stops its children in order.
public final class ChildProcess {
    public let pid: pid_t
    /// Write end of the child's standard input, if piped.
    public let input: FileDescriptor?
    /// Read end of the child's standard output, if piped.
    public let output: FileDescriptor?
    public private(set) var termination: Termination?

    /// Starts `arguments[0]` (looked up in PATH) with the remaining arguments.
    /// Standard output goes to a pipe, to `outputPath` (replaced) or is
    /// inherited; standard error to `errorDescriptor`, to `errorPath`
    /// (appended) or is inherited. It starts in `workingDirectory`, or in
    /// this process's.
    public init(
        _ arguments: [String], pipeInput: Bool = false, pipeOutput: Bool = false,
        outputPath: String? = nil, errorPath: String? = nil, errorDescriptor: FileDescriptor? = nil,
        workingDirectory: String? = nil
    ) throws(Errno) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }

        var empty = sigset_t()
        sigemptyset(&empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        if let workingDirectory { zcl_spawn_file_actions_addchdir(&actions, workingDirectory) }
        var childEnds: [FileDescriptor] = []
        var inputEnd: FileDescriptor?
        var outputEnd: FileDescriptor?
        if pipeInput {
            let pipe = try FileDescriptor.pipe()
            posix_spawn_file_actions_adddup2(&actions, pipe.read.rawValue, 0)
            childEnds.append(pipe.read)
            inputEnd = pipe.write
        }
        if pipeOutput {
            let pipe = try FileDescriptor.pipe()
            posix_spawn_file_actions_adddup2(&actions, pipe.write.rawValue, 1)
            childEnds.append(pipe.write)
            outputEnd = pipe.read
        }
        if let outputPath, !pipeOutput {
            posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        }
        if let errorDescriptor {
            posix_spawn_file_actions_adddup2(&actions, errorDescriptor.rawValue, 2)
        } else if let errorPath {
            posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        }

        var pid: pid_t = 0
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let status = posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, environ)
        for end in childEnds { try? end.close() }
        guard status == 0 else {
            try? inputEnd?.close()
            try? outputEnd?.close()
            throw Errno(status)
        }
        self.pid = pid
        self.input = inputEnd
        self.output = outputEnd
    }

    /// Sends `signal` to the child.
    public func kill(_ signal: Int32 = SIGTERM) {
        if termination == nil { _ = Glibc.kill(pid, signal) }
    }

    /// waitpid(2), blocking. Returns how the child ended.
    @discardableResult
    public func wait() -> Termination {
        if let termination { return termination }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let ended = Self.decode(status)
        termination = ended
        return ended
    }

    /// waitpid(2) with WNOHANG: how the child ended, or nil while it runs.
    public func poll() -> Termination? {
        if let termination { return termination }
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
        termination = Self.decode(status)
        return termination
    }

    /// Closes the pipes to the child.
    public func closePipes() {
        try? input?.close()
        try? output?.close()
    }

    private static func decode(_ status: Int32) -> Termination {
        let signal = status & 0x7f
        return signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
    }
}

/// A command that failed: its arguments, how it ended and what it printed.
public struct CommandError: Error, CustomStringConvertible {
    public let arguments: [String]
    public let termination: Termination
    public let output: String
    public var description: String {
        "`\(arguments.joined(separator: " "))` \(termination): \(output.trimmingCharacters(in: .whitespacesAndNewlines))"
    }
}

/// Runs a short command to completion and returns its standard output;
/// throws `CommandError` (with standard error) when it does not exit 0.
/// `input`, if given, is its standard input, written whole before its output
/// is read: for commands that say little until their input has ended.
@discardableResult
public func runCommand(_ arguments: [String], input: Data? = nil, workingDirectory: String? = nil) throws -> String {
    // Standard error goes to a temporary file unlinked at once: nothing is
    // left under /tmp even when zclab is killed while the command runs.
    var template = Array("/tmp/zcl-cmd-XXXXXX".utf8CString)
    let descriptor = mkstemp(&template)
    guard descriptor >= 0 else { throw Errno.current }
    unlink(template)
    let errors = FileDescriptor(rawValue: descriptor)
    defer { try? errors.close() }
    let child = try ChildProcess(
        arguments, pipeInput: input != nil, pipeOutput: true, errorDescriptor: errors, workingDirectory: workingDirectory)
    var written: (any Error)?
    if let input, let pipe = child.input {
        if case .failure(let error) = Result(catching: { try input.withUnsafeBytes { try pipe.writeAll($0) } }) { written = error }
        try? pipe.close()
    }
    let output = child.output.map { readAll($0) } ?? ""
    try? child.output?.close()
    let termination = child.wait()
    if let written, termination == .exited(0) {
        throw CommandError(arguments: arguments, termination: termination, output: "writing its input: \(written)")
    }
    guard termination == .exited(0) else {
        _ = lseek(descriptor, 0, SEEK_SET)
        throw CommandError(arguments: arguments, termination: termination, output: readAll(errors) + output)
    }
    return output
}

/// Reads a descriptor to end of file as UTF-8 text.
func readAll(_ descriptor: FileDescriptor) -> String {
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 16384)
    while true {
        let count = chunk.withUnsafeMutableBytes { (try? descriptor.read(into: $0)) ?? 0 }
        if count <= 0 { break }
        bytes.append(contentsOf: chunk[0..<count])
    }
    return String(decoding: bytes, as: UTF8.self)
}
