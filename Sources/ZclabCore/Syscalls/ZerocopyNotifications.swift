import CZclabLinux
#if canImport(Glibc)
import Glibc
#endif

/// A MSG_ZEROCOPY completion: the sends with ids `lo ... hi` are done with
/// their buffers, and whether the kernel sent them without copying.
public struct ZerocopyNotification: Codable, Sendable, Equatable {
    public var lo: UInt32
    public var hi: UInt32
    public var code: ZerocopyCode
    /// ee_errno, 0 for a completion.
    public var error: Int32
}

/// A completion's ee_code; the raw values are the report's words.
public enum ZerocopyCode: String, Codable, Sendable, Equatable {
    /// 0: sent from the caller's pages.
    case zerocopy
    /// SO_EE_CODE_ZEROCOPY_COPIED: the kernel copied the data after all.
    case copied
}

extension FileDescriptor {
    /// send(2) with `flags` (e.g. MSG_ZEROCOPY); EINTR is reported, not retried.
    public func send(_ buffer: UnsafeRawBufferPointer, flags: Int32) throws(Errno) -> Int {
        try syscall(retryOnInterrupt: false) { Glibc.send(rawValue, buffer.baseAddress, buffer.count, flags) }
    }

    /// sendmsg(2) of `vectors` as one iovec (no address, no control data)
    /// with `flags` (e.g. MSG_ZEROCOPY); EINTR is reported, not retried.
    public func sendMessage(_ vectors: [UnsafeRawBufferPointer], flags: Int32) throws(Errno) -> Int {
        var iov = vectors.map { iovec(iov_base: UnsafeMutableRawPointer(mutating: $0.baseAddress), iov_len: $0.count) }
        return try iov.withUnsafeMutableBufferPointer { (vector) throws(Errno) in
            var message = msghdr()
            message.msg_iov = vector.baseAddress
            message.msg_iovlen = vector.count
            return try syscall(retryOnInterrupt: false) { Glibc.sendmsg(rawValue, &message, flags) }
        }
    }

    /// recvmsg(2) with MSG_ERRQUEUE | MSG_DONTWAIT: the next MSG_ZEROCOPY
    /// completion, or nil when the error queue is empty. A message of another
    /// origin on the queue is an error (ENOMSG).
    public func nextZerocopyNotification() throws(Errno) -> ZerocopyNotification? {
        var raw = zcl_zerocopy_notification()
        switch zcl_read_zerocopy_notification(rawValue, &raw) {
        case 0: return nil
        case 1:
            guard raw.origin == zcl_SO_EE_ORIGIN_ZEROCOPY else { throw Errno(ENOMSG) }
            return ZerocopyNotification(
                lo: raw.lo, hi: raw.hi, code: raw.code == zcl_SO_EE_CODE_ZEROCOPY_COPIED ? .copied : .zerocopy,
                error: raw.error)
        default: throw Errno.current
        }
    }
}
