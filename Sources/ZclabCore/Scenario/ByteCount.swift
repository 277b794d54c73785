import Foundation

/// Parses byte counts as scenario files write them: "4096", "64KiB", "16MiB",
/// "3GiB", "1TiB" (binary), "10KB", "5MB", "2GB" (decimal), and sums or
/// differences of those ("2GiB-4KiB").
public enum ByteCount {
    static let units: [(suffix: String, factor: UInt64)] = [
        ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("TiB", 1 << 40),
        ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("TB", 1_000_000_000_000), ("B", 1),
    ]

    /// The value of `text`, or nil if it is not a byte count.
    public static func parse(_ text: String) -> UInt64? {
        var total: Int64 = 0
        var term = ""
        var sign: Int64 = 1
        for character in text.filter({ $0 != " " }) + "+" {
            if character == "+" || character == "-" {
                guard let value = single(term) else { return nil }
                total += sign * Int64(value)
                sign = character == "-" ? -1 : 1
                term = ""
            } else {
                term.append(character)
            }
        }
        return total >= 0 ? UInt64(total) : nil
    }

    private static func single(_ term: String) -> UInt64? {
        for (suffix, factor) in units where term.hasSuffix(suffix) {
            guard let number = UInt64(term.dropLast(suffix.count)) else { return nil }
            let (value, overflow) = number.multipliedReportingOverflow(by: factor)
            return overflow ? nil : value
        }
        return UInt64(term)
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
