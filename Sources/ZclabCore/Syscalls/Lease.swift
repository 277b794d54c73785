import CZclabLinux
#if canImport(Glibc)
import Glibc
#endif

/// A file lease (fcntl F_SETLEASE / F_GETLEASE).
public enum LeaseType: String, Codable, Sendable, CaseIterable {
    case read = "F_RDLCK"
    case write = "F_WRLCK"
    case none = "F_UNLCK"

    public var rawFcntl: Int32 {
        switch self {
        case .read: Int32(F_RDLCK)
        case .write: Int32(F_WRLCK)
        case .none: Int32(F_UNLCK)
        }
    }

    public init?(fcntl value: Int32) {
        guard let type = LeaseType.allCases.first(where: { $0.rawFcntl == value }) else { return nil }
        self = type
    }
}

extension FileDescriptor {
    /// fcntl(F_SETLEASE).
    public func setLease(_ type: LeaseType) throws(Errno) {
        _ = try syscall { Glibc.fcntl(rawValue, zcl_F_SETLEASE, type.rawFcntl) }
    }

    /// fcntl(F_GETLEASE).
    public func lease() throws(Errno) -> LeaseType {
        let value = try syscall { Glibc.fcntl(rawValue, zcl_F_GETLEASE) }
        return LeaseType(fcntl: value) ?? .none
    }

    /// fcntl(F_SETSIG): the signal sent for I/O readiness and lease breaks (0: SIGIO without siginfo).
    public func setNotificationSignal(_ signal: Int32) throws(Errno) {
        _ = try syscall { Glibc.fcntl(rawValue, zcl_F_SETSIG, signal) }
    }

    /// fcntl(F_SETSIG) with a number that may be no signal at all (65, -1):
    /// passed as the kernel's unsigned long, so -1 arrives as ULONG_MAX.
    public func setNotificationSignal(number: Int64) throws(Errno) {
        _ = try syscall { zcl_fcntl_long(rawValue, zcl_F_SETSIG, Int(number)) }
    }

    /// fcntl(F_GETSIG): the signal F_SETSIG chose, 0 when none was.
    public func notificationSignal() throws(Errno) -> Int32 {
        try syscall { Glibc.fcntl(rawValue, zcl_F_GETSIG) }
    }
}

/// Signal names as scenarios write them: "SIGIO", "SIGRTMIN+1".
public enum SignalNames {
    /// The highest signal number (SIGRTMAX, _NSIG - 1 on Linux).
    static let highest: Int32 = 64

    public static func number(_ name: String) -> Int32? {
        if name.hasPrefix("SIGRTMIN") {
            let offset = name.dropFirst("SIGRTMIN".count)
            guard offset.isEmpty || offset.first == "+", let extra = offset.isEmpty ? 0 : Int32(offset.dropFirst()),
                  (0...(highest - zcl_sigrtmin())).contains(extra) else { return nil }
            return zcl_sigrtmin() + extra
        }
        let known: [String: Int32] = ["SIGIO": SIGIO, "SIGUSR1": SIGUSR1, "SIGUSR2": SIGUSR2, "SIGURG": SIGURG]
        return known[name]
    }
}
