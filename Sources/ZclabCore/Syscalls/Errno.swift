#if canImport(Glibc)
import Glibc
#endif
import CZclabLinux

/// An errno value with its symbolic name ("EAGAIN"), thrown by the syscall wrappers.
public struct Errno: Error, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32

    public init(_ rawValue: Int32) { self.rawValue = rawValue }

    /// The errno of the calling thread now.
    public static var current: Errno { Errno(errno) }

    /// The symbolic name, e.g. "EPIPE" (glibc's strerrorname_np).
    public var name: String {
        guard let name = zcl_errno_name(rawValue) else { return "E\(rawValue)" }
        return String(cString: name)
    }

    public var description: String { "\(name) (\(String(cString: strerror(rawValue))))" }

    /// Every errno name this C library knows (EPERM ... EHWPOISON).
    static let names: Set<String> = Set((1...255).compactMap { zcl_errno_name($0).map { String(cString: $0) } })

    /// Whether `name` is an errno name, so that an expectation naming one can be checked.
    public static func isName(_ name: String) -> Bool { names.contains(name) }

    public static let interrupted = Errno(EINTR)
    public static let wouldBlock = Errno(EAGAIN)
    public static let invalidArgument = Errno(EINVAL)
}

/// The name of a signal, e.g. "SIGBUS" (glibc's sigabbrev_np).
public func signalName(_ signo: Int32) -> String {
    if signo == SIGIO { return "SIGIO" }  // not glibc's "SIGPOLL": the name the lease docs use
    if signo >= zcl_sigrtmin() { return signo == zcl_sigrtmin() ? "SIGRTMIN" : "SIGRTMIN+\(signo - zcl_sigrtmin())" }
    guard let abbrev = zcl_signal_abbrev(signo) else { return "SIG\(signo)" }
    return "SIG" + String(cString: abbrev)
}

extension SignalNames {
    /// Every signal name `signalName` gives (SIGHUP ... SIGRTMIN+30).
    static let names: Set<String> = Set((1...highest).map(signalName))

    /// Whether `name` is a signal name, so that an expectation naming one can be checked.
    public static func isName(_ name: String) -> Bool { names.contains(name) }
}

/// Runs a C call that returns -1 and sets errno on failure; retries on EINTR
/// when `retryOnInterrupt` is true, otherwise EINTR is thrown like any errno.
@inline(__always)
func syscall<Result: FixedWidthInteger>(
    retryOnInterrupt: Bool = true, _ call: () -> Result
) throws(Errno) -> Result {
    while true {
        let result = call()
        if result != -1 { return result }
        let error = Errno.current
        if error == .interrupted && retryOnInterrupt { continue }
        throw error
    }
}
