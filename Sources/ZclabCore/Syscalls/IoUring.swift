#if canImport(Glibc)
import Glibc
#endif
import CZclabUring

/// An io_uring instance for zero-copy sends (IORING_OP_SEND_ZC and
/// SENDMSG_ZC), through liburing. Each request is a `zcl_uring_sqe` built
/// here with the kernel's constants, so another request is one method more. One SEND_ZC gives two completions: the result (bytes sent or
/// -errno) with `more` set when a notification will follow, then the
/// notification (`notification` set) once the kernel no longer needs the buffer.
public final class IoUringRing {
    private let ring: OpaquePointer
    /// The message of the one SENDMSG_ZC in flight: the kernel reads its
    /// header and iovec when it issues the request.
    private let message = (
        header: UnsafeMutablePointer<msghdr>.allocate(capacity: 1),
        vectors: UnsafeMutablePointer<iovec>.allocate(capacity: IoUringRing.maxVectors))

    /// Whether this zclab was built with liburing.
    public static var isBuiltIn: Bool { zcl_uring_built_in != 0 }

    /// io_uring_queue_init(3).
    public init(entries: UInt32) throws(Errno) {
        var error: Int32 = 0
        guard let ring = zcl_uring_create(entries, &error) else { throw Errno(error) }
        self.ring = ring
    }

    deinit {
        zcl_uring_destroy(ring)
        message.header.deallocate()
        message.vectors.deallocate()
    }

    /// io_uring_register_buffers(3) with `buffer` as fixed buffer 0.
    public func registerBuffer(_ buffer: UnsafeRawBufferPointer) throws(Errno) {
        let result = zcl_uring_register_buffer(ring, UnsafeMutableRawPointer(mutating: buffer.baseAddress), buffer.count)
        guard result >= 0 else { throw Errno(-result) }
    }

    /// Queues and submits one SEND_ZC of `buffer` on `descriptor`, from
    /// fixed buffer 0 when `fixedBuffer` (as io_uring_prep_send_zc(3) and
    /// io_uring_prep_send_zc_fixed do).
    public func sendZerocopy(
        _ buffer: UnsafeRawBufferPointer, on descriptor: Int32, messageFlags: Int32 = 0,
        options: SendZerocopyFlags = [], fixedBuffer: Bool = false, userData: UInt64
    ) throws(Errno) {
        var entry = zcl_uring_sqe()
        entry.opcode = Operation.sendZerocopy.opcode
        entry.fd = descriptor
        entry.addr = UInt64(UInt(bitPattern: buffer.baseAddress))
        entry.len = UInt32(buffer.count)
        entry.op_flags = UInt32(bitPattern: messageFlags)
        entry.ioprio = UInt16(options.rawValue | (fixedBuffer ? UInt32(IORING_RECVSEND_FIXED_BUF) : 0))
        entry.user_data = userData
        try submit(entry)
    }

    /// Queues and submits one RECV into `buffer` from `descriptor` (as
    /// io_uring_prep_recv(3) does): its result is the bytes received, 0 at
    /// the end of the stream.
    public func receive(into buffer: UnsafeMutableRawBufferPointer, on descriptor: Int32, userData: UInt64) throws(Errno) {
        var entry = zcl_uring_sqe()
        entry.opcode = Operation.receive.opcode
        entry.fd = descriptor
        entry.addr = UInt64(UInt(bitPattern: buffer.baseAddress))
        entry.len = UInt32(buffer.count)
        entry.user_data = userData
        try submit(entry)
    }

    /// Queues and submits one SENDMSG_ZC of `vectors` as one iovec on
    /// `descriptor` (as io_uring_prep_sendmsg_zc(3) does). The message
    /// header and iovec live in the ring until the next call: one may be in
    /// flight at a time, so wait for its result before the next.
    public func sendMessageZerocopy(
        _ vectors: [UnsafeRawBufferPointer], on descriptor: Int32, messageFlags: Int32 = 0,
        options: SendZerocopyFlags = [], userData: UInt64
    ) throws(Errno) {
        guard vectors.count <= Self.maxVectors else { throw Errno.invalidArgument }
        for (index, vector) in vectors.enumerated() {
            message.vectors[index] = iovec(iov_base: UnsafeMutableRawPointer(mutating: vector.baseAddress), iov_len: vector.count)
        }
        message.header.pointee = msghdr()
        message.header.pointee.msg_iov = message.vectors
        message.header.pointee.msg_iovlen = vectors.count
        var entry = zcl_uring_sqe()
        entry.opcode = Operation.sendMessageZerocopy.opcode
        entry.fd = descriptor
        entry.addr = UInt64(UInt(bitPattern: message.header))
        entry.len = 1
        entry.op_flags = UInt32(bitPattern: messageFlags)
        entry.ioprio = UInt16(options.rawValue)
        entry.user_data = userData
        try submit(entry)
    }

    /// Whether the kernel knows `operation` (IORING_REGISTER_PROBE).
    public func supports(_ operation: Operation) throws(Errno) -> Bool {
        let result = zcl_uring_opcode_supported(ring, operation.opcode)
        guard result >= 0 else { throw Errno(-result) }
        return result == 1
    }

    /// Whether SEND_ZC (and SENDMSG_ZC, which reads the same flags) takes
    /// `flags`: one SEND_ZC of a byte on an AF_UNIX socketpair, which fails
    /// either way, with EINVAL when a flag is unknown (refused as the request
    /// is prepared) or another errno when it is known (AF_UNIX has no zero
    /// copy: EOPNOTSUPP). No data moves; no network is touched.
    public func acceptsSendZerocopy(_ flags: SendZerocopyFlags) throws(Errno) -> Bool {
        var pair: [Int32] = [-1, -1]
        _ = try syscall { socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) }
        defer { for descriptor in pair { close(descriptor) } }
        let byte = UnsafeMutableRawBufferPointer.allocate(byteCount: 1, alignment: 1)
        defer { byte.deallocate() }  // the ring is done with it once its result came
        byte[0] = 0
        let probe: UInt64 = 0x7a63_6c70  // "zclp"
        try sendZerocopy(UnsafeRawBufferPointer(byte), on: pair[0], options: flags, userData: probe)
        while let completion = try nextCompletion(milliseconds: 1000) {
            guard completion.userData == probe, !completion.flags.contains(.notification) else { continue }
            return completion.result != -EINVAL
        }
        throw Errno(ETIMEDOUT)
    }

    /// The requests zclab makes, by the kernel's name.
    public enum Operation: String, Sendable, CaseIterable, Codable {
        case sendZerocopy = "IORING_OP_SEND_ZC"
        case sendMessageZerocopy = "IORING_OP_SENDMSG_ZC"
        case receive = "IORING_OP_RECV"

        var opcode: UInt8 {
            switch self {
            case .sendZerocopy: UInt8(IORING_OP_SEND_ZC.rawValue)
            case .sendMessageZerocopy: UInt8(IORING_OP_SENDMSG_ZC.rawValue)
            case .receive: UInt8(IORING_OP_RECV.rawValue)
            }
        }
    }

    /// A request a send path makes, with the SEND_ZC flags it sets.
    public struct Request: Sendable, Equatable, Codable {
        public var operation: Operation
        public var flags: SendZerocopyFlags
        public init(_ operation: Operation, flags: SendZerocopyFlags = []) {
            self.operation = operation
            self.flags = flags
        }
    }

    /// Most buffers one SENDMSG_ZC takes here.
    public static let maxVectors = 8

    /// zcl_uring_submit: `entry` into the next submission queue entry, submitted.
    private func submit(_ entry: zcl_uring_sqe) throws(Errno) {
        var entry = entry
        let result = zcl_uring_submit(ring, &entry)
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
    public struct SendZerocopyFlags: OptionSet, Sendable, Equatable, Codable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// IORING_SEND_ZC_REPORT_USAGE: the notification's result says whether the data was copied.
        public static let reportUsage = SendZerocopyFlags(rawValue: zcl_IORING_SEND_ZC_REPORT_USAGE)

        /// "IORING_SEND_ZC_REPORT_USAGE", or "none".
        public var names: String { contains(.reportUsage) ? "IORING_SEND_ZC_REPORT_USAGE" : "none" }
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

extension IoUringRing {
    /// Why `requests` cannot be made on this kernel, or nil: zclab built
    /// without liburing, io_uring disabled or missing, an operation the
    /// kernel's probe does not list, or SEND_ZC flags it refuses.
    public static func problem(with requests: [Request]) -> String? {
        guard !requests.isEmpty else { return nil }
        guard isBuiltIn else { return "zclab was built without liburing: install liburing-dev (scripts/setup does) and rebuild" }
        let disabled = (try? String(contentsOfFile: "/proc/sys/kernel/io_uring_disabled", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        if disabled == "2" { return "kernel.io_uring_disabled = 2: io_uring is disabled on this machine" }
        let ring: IoUringRing
        do { ring = try IoUringRing(entries: 4) } catch {
            return "io_uring_setup failed with \(error): this kernel has no usable io_uring (CONFIG_IO_URING)"
        }
        for request in requests {
            guard (try? ring.supports(request.operation)) == true else {
                return "this kernel does not support \(request.operation.rawValue) (IORING_REGISTER_PROBE does not list it)"
            }
            guard request.flags.isEmpty || (try? ring.acceptsSendZerocopy(request.flags)) != false else {
                return "this kernel's SEND_ZC does not take \(request.flags.names) (a probe request with it failed with EINVAL)"
            }
        }
        return nil
    }
}
