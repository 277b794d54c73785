import CZclabLinux
#if canImport(Glibc)
import Glibc
#endif

/// A Linux file descriptor with thin, typed wrappers around the calls zclab
/// makes on it. Each wrapper names the C call; EINTR is retried unless the
/// caller asks to see it (`retryOnInterrupt: false`).
public struct FileDescriptor: Hashable, Sendable {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// Flags for `open(2)`.
    public struct OpenOptions: OptionSet, Sendable {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }
        public static let readOnly = OpenOptions([])
        public static let writeOnly = OpenOptions(rawValue: O_WRONLY)
        public static let readWrite = OpenOptions(rawValue: O_RDWR)
        public static let create = OpenOptions(rawValue: O_CREAT)
        public static let truncate = OpenOptions(rawValue: O_TRUNC)
        public static let exclusive = OpenOptions(rawValue: O_EXCL)
        public static let nonBlocking = OpenOptions(rawValue: O_NONBLOCK)
        public static let closeOnExec = OpenOptions(rawValue: O_CLOEXEC)
    }

    /// open(2); always with O_CLOEXEC.
    public static func open(
        _ path: String, _ options: OpenOptions, permissions: mode_t = 0o644, retryOnInterrupt: Bool = true
    ) throws(Errno) -> FileDescriptor {
        let flags = options.union(.closeOnExec).rawValue
        return FileDescriptor(rawValue: try syscall(retryOnInterrupt: retryOnInterrupt) { Glibc.open(path, flags, permissions) })
    }

    /// dup(2): a second descriptor of the same open file description.
    public func duplicate() throws(Errno) -> FileDescriptor {
        FileDescriptor(rawValue: try syscall { Glibc.dup(rawValue) })
    }

    /// close(2). EINTR is not retried: on Linux the descriptor is gone either way.
    public func close() throws(Errno) {
        _ = try syscall(retryOnInterrupt: false) { Glibc.close(rawValue) }
    }

    /// read(2) into `buffer`; returns the count read (0 at end of file).
    public func read(
        into buffer: UnsafeMutableRawBufferPointer, retryOnInterrupt: Bool = true
    ) throws(Errno) -> Int {
        try syscall(retryOnInterrupt: retryOnInterrupt) {
            Glibc.read(rawValue, buffer.baseAddress, buffer.count)
        }
    }

    /// pread(2) into `buffer` from `offset`; returns the count read (0 at end of file).
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws(Errno) -> Int {
        try syscall { Glibc.pread(rawValue, buffer.baseAddress, buffer.count, off_t(offset)) }
    }

    /// Fills `buffer` from offset 0 with pread(2), looping over short reads;
    /// EIO if the file ends first.
    public func readAll(into buffer: UnsafeMutableRawBufferPointer) throws(Errno) {
        var filled = 0
        while filled < buffer.count {
            let count = try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]), at: Int64(filled))
            guard count > 0 else { throw Errno(EIO) }
            filled += count
        }
    }

    /// write(2) of `buffer`; returns the count written, which may be short.
    public func write(
        _ buffer: UnsafeRawBufferPointer, retryOnInterrupt: Bool = true
    ) throws(Errno) -> Int {
        try syscall(retryOnInterrupt: retryOnInterrupt) {
            Glibc.write(rawValue, buffer.baseAddress, buffer.count)
        }
    }

    /// Writes all of `buffer`, looping over short write(2)s.
    public func writeAll(_ buffer: UnsafeRawBufferPointer) throws(Errno) {
        var done = 0
        while done < buffer.count {
            done += try write(UnsafeRawBufferPointer(rebasing: buffer[done...]))
        }
    }

    /// pwrite(2) of `buffer` at `offset`, looping over short writes.
    public func writeAll(_ buffer: UnsafeRawBufferPointer, at offset: Int64) throws(Errno) {
        var done = 0
        while done < buffer.count {
            let rest = UnsafeRawBufferPointer(rebasing: buffer[done...])
            done += try syscall { Glibc.pwrite(rawValue, rest.baseAddress, rest.count, off_t(offset) + done) }
        }
    }

    /// ftruncate(2).
    public func truncate(to size: Int64) throws(Errno) {
        _ = try syscall { Glibc.ftruncate(rawValue, off_t(size)) }
    }

    /// fstat(2): the file's size in bytes.
    public func size() throws(Errno) -> Int64 {
        var info = stat()
        _ = try syscall { Glibc.fstat(rawValue, &info) }
        return Int64(info.st_size)
    }

    /// fstat(2): 512-byte blocks allocated (to tell a sparse file's holes).
    public func allocatedBlocks() throws(Errno) -> Int64 {
        var info = stat()
        _ = try syscall { Glibc.fstat(rawValue, &info) }
        return Int64(info.st_blocks)
    }

    /// pipe2(2) with O_CLOEXEC, and O_NONBLOCK when `nonBlocking`: (read end, write end).
    public static func pipe(nonBlocking: Bool = false) throws(Errno) -> (read: FileDescriptor, write: FileDescriptor) {
        var fds: [Int32] = [-1, -1]
        _ = try syscall { nonBlocking ? zcl_pipe_cloexec_nonblocking(&fds) : zcl_pipe_cloexec(&fds) }
        return (FileDescriptor(rawValue: fds[0]), FileDescriptor(rawValue: fds[1]))
    }
}
