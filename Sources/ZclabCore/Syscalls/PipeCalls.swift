#if canImport(Glibc)
import Glibc
#endif
import CZclabLinux

/// The calls that put bytes into a pipe without copying them, or ask it
/// what it holds: what the pipe workload and the vmsplice send path make.
extension FileDescriptor {
    /// vmsplice(2) of `buffer` into this pipe's write end; returns the count
    /// moved. Without SPLICE_F_GIFT the pipe refers to the buffer's pages.
    public func vmsplice(_ buffer: UnsafeRawBufferPointer, flags: SpliceFlags = []) throws(Errno) -> Int {
        let pipe = rawValue
        return try syscall { zcl_vmsplice(pipe, buffer.baseAddress, buffer.count, flags.rawValue) }
    }

    /// tee(2) of up to `count` bytes of this pipe (read end) into `target`'s
    /// write end, without consuming them; returns the count duplicated.
    public func tee(to target: FileDescriptor, count: Int, flags: SpliceFlags = []) throws(Errno) -> Int {
        let input = rawValue
        return try syscall { zcl_tee(input, target.rawValue, count, flags.rawValue) }
    }

    /// fcntl(F_GETPIPE_SZ): the pipe's capacity in bytes (its slots × the page size).
    public func pipeCapacity() throws(Errno) -> Int {
        Int(try syscall { Glibc.fcntl(rawValue, zcl_F_GETPIPE_SZ) })
    }

    /// ioctl(FIONREAD): the bytes the pipe (or socket) holds that a read would get.
    public func readableBytes() throws(Errno) -> Int {
        var count: Int32 = 0
        _ = try syscall { Glibc.ioctl(rawValue, UInt(FIONREAD), &count) }
        return Int(count)
    }
}
