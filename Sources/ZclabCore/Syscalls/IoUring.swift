import CZclabUring

/// An io_uring instance for zero-copy sends (IORING_OP_SEND_ZC), through
/// liburing. One SEND_ZC gives two completions: the result (bytes sent or
/// -errno) with `more` set when a notification will follow, then the
/// notification (`notification` set) once the kernel no longer needs the buffer.
public final class IoUringRing {
    private let ring: OpaquePointer

    /// Whether this zclab was built with liburing.
    public static var isBuiltIn: Bool { zcl_uring_built_in != 0 }

    /// io_uring_queue_init(3).
    public init(entries: UInt32) throws(Errno) {
        var error: Int32 = 0
        guard let ring = zcl_uring_create(entries, &error) else { throw Errno(error) }
        self.ring = ring
    }

    deinit { zcl_uring_destroy(ring) }

    /// io_uring_register_buffers(3) with `buffer` as fixed buffer 0.
    public func registerBuffer(_ buffer: UnsafeRawBufferPointer) throws(Errno) {
        let result = zcl_uring_register_buffer(ring, UnsafeMutableRawPointer(mutating: buffer.baseAddress), buffer.count)
        guard result >= 0 else { throw Errno(-result) }
    }

    /// Queues and submits one SEND_ZC of `buffer` on `descriptor`
    /// (io_uring_prep_send_zc, or io_uring_prep_send_zc_fixed from fixed buffer 0).
    public func sendZerocopy(
        _ buffer: UnsafeRawBufferPointer, on descriptor: Int32, messageFlags: Int32 = 0,
        options: SendZerocopyFlags = [], fixedBuffer: Bool = false, userData: UInt64
    ) throws(Errno) {
        let result = zcl_uring_send_zc(
            ring, descriptor, buffer.baseAddress, buffer.count, messageFlags, options.rawValue, fixedBuffer ? 1 : 0, userData)
        guard result >= 0 else { throw Errno(-result) }
    }

    /// Queues and submits one SENDMSG_ZC of `vectors` as one iovec on
    /// `descriptor` (io_uring_prep_sendmsg_zc). One may be in flight at a
    /// time: wait for its result before the next.
    public func sendMessageZerocopy(
        _ vectors: [UnsafeRawBufferPointer], on descriptor: Int32, messageFlags: Int32 = 0,
        options: SendZerocopyFlags = [], userData: UInt64
    ) throws(Errno) {
        let bases: [UnsafeRawPointer?] = vectors.map(\.baseAddress)
        let lengths = vectors.map(\.count)
        let result = zcl_uring_sendmsg_zc(ring, descriptor, bases, lengths, vectors.count, messageFlags, options.rawValue, userData)
        guard result >= 0 else { throw Errno(-result) }
    }

    /// The next completion, or nil when none comes within `milliseconds`
    /// (io_uring_wait_cqe_timeout(3) and io_uring_cqe_seen(3)).
    public func nextCompletion(milliseconds: Int32) throws(Errno) -> IoUringCompletion? {
        var cqe = zcl_uring_cqe()
        let result = zcl_uring_next_cqe(ring, milliseconds, &cqe)
        guard result >= 0 else { throw Errno(-result) }
        guard result == 1 else { return nil }
        return IoUringCompletion(userData: cqe.user_data, result: cqe.res, flags: CompletionFlags(rawValue: cqe.flags))
    }

    /// SEND_ZC's own flags (sqe->ioprio).
    public struct SendZerocopyFlags: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// IORING_SEND_ZC_REPORT_USAGE: the notification's result says whether the data was copied.
        public static let reportUsage = SendZerocopyFlags(rawValue: zcl_IORING_SEND_ZC_REPORT_USAGE)
    }

    /// A completion's flags (cqe->flags).
    public struct CompletionFlags: OptionSet, Sendable, Codable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// IORING_CQE_F_MORE: another completion for this request follows.
        public static let more = CompletionFlags(rawValue: zcl_IORING_CQE_F_MORE)
        /// IORING_CQE_F_NOTIF: this is the notification, not the result.
        public static let notification = CompletionFlags(rawValue: zcl_IORING_CQE_F_NOTIF)

        /// "F_MORE|F_NOTIF", or "0".
        public var names: String {
            let named = [(Self.more, "F_MORE"), (Self.notification, "F_NOTIF")].filter { contains($0.0) }.map(\.1)
            return named.isEmpty ? "0" : named.joined(separator: "|")
        }
    }
}

/// One completion queue entry.
public struct IoUringCompletion: Sendable, Equatable {
    public var userData: UInt64
    public var result: Int32
    public var flags: IoUringRing.CompletionFlags

    /// A notification whose result says the kernel copied the data
    /// (IORING_NOTIF_USAGE_ZC_COPIED; only with `reportUsage`).
    public var saysCopied: Bool { flags.contains(.notification) && UInt32(bitPattern: result) & zcl_IORING_NOTIF_USAGE_ZC_COPIED != 0 }
}
