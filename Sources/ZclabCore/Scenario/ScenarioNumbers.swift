import Foundation
import Yams

/// Where numbers from a scenario file enter zclab: byte counts (sizes,
/// offsets, counts, seed), bounded integers (port, mtu, buffer sizes) and
/// durations (timeouts). Every value is range-checked here, with checked
/// arithmetic, so a number that would overflow later is a located error now.
/// The ranges are listed in docs/scenario-format.md ("Numbers").
extension ScenarioReader {
    /// A byte count, 0 ... 2^63-1: "4096", "64KiB", "2GiB-4KiB".
    func bytes(_ node: Node, _ what: String) throws(ScenarioError) -> UInt64 {
        let text = try string(node, what)
        switch ByteCount.value(text) {
        case .success(let value): return value
        case .failure(.outOfRange):
            throw error(node, "\(what): '\(Self.clip(text))' is out of range (byte counts are 0 ... \(ByteCount.largest))")
        case .failure(.notACount):
            throw error(node, "\(what): '\(Self.clip(text))' is not a byte count (e.g. 4096, 64KiB, 16MiB, 3GiB)")
        }
    }

    /// A byte count that may be negative ("-1", "-4KiB"): -(2^63-1) ... 2^63-1.
    func signedBytes(_ node: Node, _ what: String) throws(ScenarioError) -> Int64 {
        let text = try string(node, what)
        let negative = text.hasPrefix("-")
        switch ByteCount.value(negative ? String(text.dropFirst()) : text) {
        case .success(let magnitude): return negative ? -Int64(magnitude) : Int64(magnitude)
        case .failure(.outOfRange):
            throw error(node, "\(what): '\(Self.clip(text))' is out of range (-\(ByteCount.largest) ... \(ByteCount.largest))")
        case .failure(.notACount):
            throw error(node, "\(what): '\(Self.clip(text))' is not a byte count (e.g. 4GiB, -1)")
        }
    }

    /// A whole number (units allowed, as for byte counts) within `range`.
    func integer<T: FixedWidthInteger>(_ node: Node, _ what: String, _ range: ClosedRange<T>) throws(ScenarioError) -> T {
        let text = try string(node, what)
        guard case .success(let value) = ByteCount.value(text), let fitted = T(exactly: value), range.contains(fitted) else {
            throw error(node, "\(what) must be within \(range.lowerBound) ... \(range.upperBound), not '\(Self.clip(text))'")
        }
        return fitted
    }

    /// The longest timeout a scenario may ask for: one day, in seconds.
    static let longestTimeout = 86_400.0

    /// A duration in seconds, more than 0 and at most `longestTimeout`
    /// (a decimal number: 0.5, 120; not inf or nan).
    func seconds(_ node: Node, _ what: String) throws(ScenarioError) -> Double {
        let text = try string(node, what)
        guard let seconds = Double(text), seconds.isFinite, seconds > 0, seconds <= Self.longestTimeout else {
            throw error(node, "\(what) must be a number of seconds more than 0 and at most \(Int(Self.longestTimeout)), not '\(Self.clip(text))'")
        }
        return seconds
    }

    /// The longest piece of the file's own text a message repeats.
    static let echoLimit = 80

    /// `text` cut to `echoLimit` characters, with an ellipsis if it was longer,
    /// so a message never repeats a huge value.
    static func clip(_ text: String) -> String {
        text.count <= echoLimit ? text : text.prefix(echoLimit) + "…"
    }
}
