import CZclabLinux
#if canImport(Glibc)
import Glibc
#endif

/// A signal delivered to an actor, as its SA_SIGINFO handler saw it.
public struct SignalRecord: Codable, Sendable, Equatable {
    /// "SIGBUS".
    public var signal: String
    /// si_code by name ("BUS_ADRERR"), or its number.
    public var code: String
    /// For SIGBUS/SIGSEGV: the file offset of si_addr when it lies in the
    /// sender's mapping, else nil (the raw address is not reproducible).
    public var fileOffset: UInt64?
    /// si_fd for SIGIO and real-time signals.
    public var fd: Int32?
    /// si_band for SIGIO and real-time signals.
    public var band: Int?
    /// For a lease break: the lease (F_GETLEASE) when the handler ran.
    public var leaseInHandler: LeaseType?
    /// For a lease break: what the handler's F_SETLEASE gave ("ok" or errno), if it acted.
    public var handlerAction: String?

    enum CodingKeys: String, CodingKey {
        case signal, code, fd, band
        case fileOffset = "file_offset", leaseInHandler = "lease_in_handler", handlerAction = "handler_action"
    }
}

/// Records the signals an agent receives (SA_SIGINFO handlers in the C shim,
/// async-signal-safe), and reads memory with a SIGBUS/SIGSEGV guard.
public enum SignalRecorder {
    /// Makes the handler of `signal` treat it as the break of the lease on
    /// `descriptor` and set the lease to `action` (nil: leave it be).
    public static func onLeaseBreak(_ signal: Int32, descriptor: FileDescriptor, action: LeaseType?) {
        zcl_lease_on_break(signal, descriptor.rawValue, action?.rawFcntl ?? -1)
    }

    /// Installs recording handlers; SA_RESTART when `restart`.
    public static func install(_ signals: [Int32], restart: Bool) throws(Errno) {
        guard zcl_signals_record(signals, Int32(signals.count), restart ? 1 : 0) == 0 else { throw Errno.current }
    }

    /// Every signal recorded so far; addresses inside `mapping` (which maps
    /// the file from `mappingOffset`) become file offsets.
    public static func records(mapping: UnsafeRawBufferPointer? = nil, mappingOffset: UInt64 = 0) -> [SignalRecord] {
        (0..<zcl_signals_count()).compactMap { index in
            var raw = zcl_signal_record()
            guard zcl_signals_get(index, &raw) == 0 else { return nil }
            return record(raw, mapping: mapping, mappingOffset: mappingOffset)
        }
    }

    /// Reads the first byte of `bytes` and of every following page in it;
    /// returns the fault that stopped it, or nil when all could be read.
    /// `mapping` (mapping the file from `mappingOffset`) places the fault.
    public static func touch(
        _ bytes: UnsafeRawBufferPointer, in mapping: UnsafeRawBufferPointer, mappingOffset: UInt64
    ) -> SignalRecord? {
        guard let base = bytes.baseAddress else { return nil }
        var fault = zcl_signal_record()
        guard zcl_guarded_touch(base, bytes.count, &fault) == 1 else { return nil }
        return record(fault, mapping: mapping, mappingOffset: mappingOffset)
    }

    /// Reads `bytes` as `touch` does, with SIGBUS and SIGSEGV at their
    /// default disposition: a fault ends the process (killed by the signal).
    public static func touchUnguarded(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress else { return }
        zcl_touch_unguarded(base, bytes.count)
    }

    static func record(_ raw: zcl_signal_record, mapping: UnsafeRawBufferPointer?, mappingOffset: UInt64) -> SignalRecord {
        let code = zcl_signal_code_name(raw.signo, raw.code).map { String(cString: $0) } ?? "\(raw.code)"
        var offset: UInt64?
        if let start = mapping?.baseAddress.map({ UInt(bitPattern: $0) }), let count = mapping?.count,
            raw.addr >= start, raw.addr < start + UInt(count)
        {
            offset = mappingOffset + UInt64(raw.addr - start)
        }
        let hasFd = raw.fd >= 0  // the shim sets -1 where si_fd has no meaning
        return SignalRecord(
            signal: signalName(raw.signo), code: code, fileOffset: offset,
            fd: hasFd ? raw.fd : nil, band: hasFd ? raw.band : nil,
            leaseInHandler: raw.lease >= 0 ? LeaseType(fcntl: raw.lease) : nil,
            handlerAction: raw.lease_action_result < 0 ? nil : raw.lease_action_result == 0 ? "ok" : Errno(raw.lease_action_result).name)
    }
}
