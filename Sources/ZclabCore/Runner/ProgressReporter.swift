#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Progress on standard error: a line that rewrites itself on a terminal,
/// silence otherwise (so CI logs hold only the results).
public struct ProgressReporter: Sendable {
    let enabled: Bool

    public init(enabled: Bool = isatty(2) == 1) { self.enabled = enabled }

    /// Replaces the status line with `text`.
    public func status(_ text: String) {
        guard enabled else { return }
        let line = "\r\u{1B}[K" + String(text.prefix(120))
        _ = line.withCString { Glibc.write(2, $0, strlen($0)) }
    }

    /// A transfer's status line: "NAME: received 1.2 GiB of 5 GiB, 640 MiB/s",
    /// the rate over the `seconds` since the transfer started.
    public static func transfer(_ name: String, received: UInt64, of total: UInt64, seconds: Double) -> String {
        var line = "\(name): received \(ByteCount.approximate(received)) of \(ByteCount.approximate(total))"
        if seconds > 0 { line += ", \(ByteCount.approximate(UInt64(Double(received) / seconds)))/s" }
        return line
    }

    /// Clears the status line.
    public func clear() {
        guard enabled else { return }
        _ = "\r\u{1B}[K".withCString { Glibc.write(2, $0, strlen($0)) }
    }
}
