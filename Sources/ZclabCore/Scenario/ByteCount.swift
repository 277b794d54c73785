import Foundation

/// Parses byte counts as scenario files write them: "4096", "64KiB", "16MiB",
/// "3GiB", "1TiB" (binary), "10KB", "5MB", "2GB" (decimal), and sums or
/// differences of those ("2GiB-4KiB").
public enum ByteCount {
    static let units: [(suffix: String, factor: UInt64)] = [
        ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("TiB", 1 << 40),
        ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("TB", 1_000_000_000_000), ("B", 1),
    ]

    /// The largest byte count zclab takes: 2^63-1 (8 EiB - 1), so that every
    /// count also fits the signed 64-bit numbers offsets and results use.
    public static let largest = UInt64(Int64.max)

    /// Why a text is not a byte count.
    public enum Problem: Error, Equatable, Sendable {
        /// Not digits with an optional unit, or a sum of those.
        case notACount
        /// A term, a sum or the result is above `largest`, or below 0.
        case outOfRange
    }

    /// The value of `text`, or nil if it is not a byte count (within 0 ... `largest`).
    public static func parse(_ text: String) -> UInt64? {
        try? value(text).get()
    }

    /// The value of `text`: terms added and subtracted left to right, each
    /// step checked, so an overflowing sum is `.outOfRange`, never a trap.
    public static func value(_ text: String) -> Result<UInt64, Problem> {
        var total: Int64 = 0
        var term = ""
        var negative = false
        for character in text.filter({ $0 != " " }) + "+" {
            if character == "+" || character == "-" {
                let value: UInt64
                switch single(term) {
                case .success(let parsed): value = parsed
                case .failure(let problem): return .failure(problem)
                }
                guard let magnitude = Int64(exactly: value) else { return .failure(.outOfRange) }
                let (sum, overflow) = negative ? total.subtractingReportingOverflow(magnitude) : total.addingReportingOverflow(magnitude)
                guard !overflow else { return .failure(.outOfRange) }
                total = sum
                negative = character == "-"
                term = ""
            } else {
                term.append(character)
            }
        }
        return total >= 0 ? .success(UInt64(total)) : .failure(.outOfRange)
    }

    /// One term: decimal digits and an optional unit.
    private static func single(_ term: String) -> Result<UInt64, Problem> {
        let unit = units.first { term.hasSuffix($0.suffix) }
        let digits = term.dropLast(unit?.suffix.count ?? 0)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return .failure(.notACount) }
        guard let number = UInt64(digits) else { return .failure(.outOfRange) }
        let (value, overflow) = number.multipliedReportingOverflow(by: unit?.factor ?? 1)
        return overflow ? .failure(.outOfRange) : .success(value)
    }

    /// An approximate readable form, "1.5 GiB", for messages about space.
    public static func approximate(_ value: UInt64) -> String {
        for (suffix, factor) in units.prefix(4).reversed() where value >= factor {
            return String(format: "%.1f %@", Double(value) / Double(factor), suffix)
        }
        return "\(value) bytes"
    }

    /// A readable form: "16 MiB" for exact binary multiples, else the number.
    public static func describe(_ value: UInt64) -> String {
        for (suffix, factor) in units.prefix(4).reversed() where value >= factor && value % factor == 0 {
            return "\(value / factor) \(suffix)"
        }
        return "\(value)"
    }
}
