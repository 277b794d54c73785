import CZclabLinux
#if canImport(Glibc)
import Glibc
#endif

/// What one getsockopt(TCP_ZEROCOPY_RECEIVE) did (struct tcp_zerocopy_receive's outputs).
public struct ZerocopyReceipt: Sendable, Equatable {
    /// Bytes mapped at the start of the region, in whole pages.
    public var mapped: Int
    /// Bytes to read by copy before the next mappable ones (recv_skip_hint).
    public var skipHint: Int
    /// Bytes left in the receive queue (inq).
    public var queued: Int
}

extension FileDescriptor {
    /// getsockopt(IPPROTO_TCP, TCP_ZEROCOPY_RECEIVE): maps up to `length`
    /// bytes of the TCP socket's receive queue, in whole pages, at `region`
    /// (a shared mapping of this socket), replacing what was mapped there.
    /// EIO when the queue is empty and the peer has closed: the end of the stream.
    public func zerocopyReceive(at region: UnsafeRawPointer, length: Int) throws(Errno) -> ZerocopyReceipt {
        var request = zcl_zerocopy_receive()
        request.address = UInt64(UInt(bitPattern: region))
        request.length = UInt32(length)
        _ = try syscall { zcl_tcp_zerocopy_receive(rawValue, &request) }
        if request.err != 0 { throw Errno(-request.err) }
        return ZerocopyReceipt(mapped: Int(request.length), skipHint: Int(request.recv_skip_hint), queued: Int(request.inq))
    }
}

extension FileMapping {
    /// madvise(MADV_DONTNEED) of the whole mapping: its pages are dropped,
    /// and touching a socket's mapping afterwards faults.
    public func dropPages() throws(Errno) {
        _ = try syscall { Glibc.madvise(UnsafeMutableRawPointer(mutating: base), length, MADV_DONTNEED) }
    }
}
