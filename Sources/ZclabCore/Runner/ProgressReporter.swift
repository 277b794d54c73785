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
        var line = "\(name): received \(approximate(Double(received))) of \(approximate(Double(total)))"
        if seconds > 0 { line += ", \(approximate(Double(received) / seconds))/s" }
        return line
    }

    /// A byte count to one decimal in the largest binary unit it reaches ("1.2 GiB").
    static func approximate(_ bytes: Double) -> String {
        let units = ["B", "KiB", "MiB", "GiB"]
        var value = bytes
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(Int(value)) B" : String(format: "%.1f", value) + " " + units[unit]
    }

    /// Clears the status line.
    public func clear() {
        guard enabled else { return }
        _ = "\r\u{1B}[K".withCString { Glibc.write(2, $0, strlen($0)) }
    }
}
