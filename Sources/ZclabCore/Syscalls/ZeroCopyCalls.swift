#if canImport(Glibc)
import Glibc
#endif
import CZclabLinux

extension FileDescriptor {
    /// sendfile(2) from the file `source` at `offset` (advanced by the kernel)
    /// to this descriptor; returns the count moved.
    public func sendfile(
        from source: FileDescriptor, offset: inout Int64, count: Int,
        retryOnInterrupt: Bool = true
    ) throws(Errno) -> Int {
        let out = rawValue
        var position = off_t(offset)
        defer { offset = Int64(position) }
        return try syscall(retryOnInterrupt: retryOnInterrupt) {
            Glibc.sendfile(out, source.rawValue, &position, count)
        }
    }

    /// sendfile(2) with a NULL offset: from `source`'s file position, which the kernel advances.
    public func sendfile(fromPositionOf source: FileDescriptor, count: Int) throws(Errno) -> Int {
        let out = rawValue
        return try syscall(retryOnInterrupt: false) { Glibc.sendfile(out, source.rawValue, nil, count) }
    }

    /// lseek(2) with SEEK_SET; returns the new position.
    public func seek(to offset: Int64) throws(Errno) -> Int64 {
        Int64(try syscall { Glibc.lseek(rawValue, off_t(offset), SEEK_SET) })
    }

    /// lseek(2) with SEEK_CUR 0: the file position.
    public func position() throws(Errno) -> Int64 {
        Int64(try syscall { Glibc.lseek(rawValue, 0, SEEK_CUR) })
    }

    /// copy_file_range(2) from `source` at `inputOffset` to this descriptor at
    /// `outputOffset`, both advanced by the kernel; returns the count copied.
    public func copyFileRange(
        from source: FileDescriptor, inputOffset: inout Int64, outputOffset: inout Int64, count: Int
    ) throws(Errno) -> Int {
        let out = rawValue
        return try syscall { zcl_copy_file_range(source.rawValue, &inputOffset, out, &outputOffset, count, 0) }
    }

    /// Flags for `splice(2)`.
    public struct SpliceFlags: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let move = SpliceFlags(rawValue: zcl_SPLICE_F_MOVE)
        public static let nonBlocking = SpliceFlags(rawValue: zcl_SPLICE_F_NONBLOCK)
        public static let more = SpliceFlags(rawValue: zcl_SPLICE_F_MORE)
    }

    /// splice(2) from this descriptor to `target`. `offset` is the input
    /// offset (nil for a pipe or to use the file position).
    public func splice(
        to target: FileDescriptor, inputOffset offset: UnsafeMutablePointer<Int64>?,
        count: Int, flags: SpliceFlags = [], retryOnInterrupt: Bool = true
    ) throws(Errno) -> Int {
        let input = rawValue
        return try syscall(retryOnInterrupt: retryOnInterrupt) {
            zcl_splice(input, offset, target.rawValue, nil, count, flags.rawValue)
        }
    }

    /// fcntl(F_SETPIPE_SZ); returns the capacity the kernel granted.
    public func setPipeCapacity(_ bytes: Int) throws(Errno) -> Int {
        Int(try syscall { Glibc.fcntl(rawValue, zcl_F_SETPIPE_SZ, Int32(bytes)) })
    }
}

/// A read-only shared or private file mapping, unmapped by `unmap()`.
public struct FileMapping: @unchecked Sendable {
    public let base: UnsafeRawPointer
    public let length: Int

    public enum Sharing: String, Sendable, Codable, CaseIterable { case shared, `private` }

    /// mmap(2) of `length` bytes of `file` from `offset` (page aligned), PROT_READ.
    public init(
        _ file: FileDescriptor, offset: Int64, length: Int, sharing: Sharing = .shared
    ) throws(Errno) {
        let flags = sharing == .shared ? MAP_SHARED : MAP_PRIVATE
        guard let address = Glibc.mmap(nil, length, PROT_READ, flags, file.rawValue, off_t(offset)),
            address != MAP_FAILED
        else { throw Errno.current }
        self.base = UnsafeRawPointer(address)
        self.length = length
    }

    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: length) }

    /// munmap(2).
    public func unmap() {
        Glibc.munmap(UnsafeMutableRawPointer(mutating: base), length)
    }
}

/// The system page size.
public let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
