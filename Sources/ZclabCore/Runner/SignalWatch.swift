import CZclabLinux
#if canImport(Glibc)
import Glibc
#endif

/// SIGINT, SIGTERM and SIGHUP, blocked and turned into a descriptor
/// (signalfd) so that the runner notices them between and inside steps and
/// tears down in order; the run then ends with 128 + the signal's number.
/// Create it first thing in `main`, before any thread starts.
///
/// A disposition of SIG_IGN does not lose them: a background job of a
/// non-interactive shell (`zclab run ... &` in a script) starts with SIGINT
/// ignored, but the kernel never ignores a blocked signal (sig_ignored() in
/// kernel/signal.c), so it still queues for the descriptor; the end-to-end
/// tests start zclab that way.
///
/// SIGPIPE is ignored: results stream to standard output as scenarios finish,
/// and a reader that goes away (`zclab run | head -1`) must not kill the
/// runner with namespaces still up; the write fails instead and the run goes on.
public final class SignalWatch: @unchecked Sendable {
    public let descriptor: Int32
    /// The first signal received, if any.
    public private(set) var received: Int32?

    public init() throws(Errno) {
        let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]
        let fd = zcl_signalfd_open(signals, Int32(signals.count))
        guard fd >= 0 else { throw Errno.current }
        descriptor = fd
        signal(SIGPIPE, SIG_IGN)
    }

    /// Reads pending signals without blocking; returns the first one ever received.
    @discardableResult
    public func check() -> Int32? {
        var signo: Int32 = 0
        while zcl_signalfd_read(descriptor, &signo) == 1 {
            if received == nil { received = signo }
        }
        return received
    }
}

/// Thrown out of a scenario when SIGINT or SIGTERM arrives.
public struct Interrupted: Error, CustomStringConvertible {
    public let signal: Int32
    public init(signal: Int32) { self.signal = signal }
    public var description: String { "interrupted by \(signalName(signal))" }
}
