/// A half-open range of byte offsets, `lower ..< upper`, as it appears in
/// reports ({"lower": 0, "upper": 4096}).
public struct ByteRange: Codable, Sendable, Hashable, CustomStringConvertible {
    public var lower: UInt64
    public var upper: UInt64

    public init(lower: UInt64, upper: UInt64) {
        self.lower = lower
        self.upper = upper
    }

    public var count: UInt64 { upper - lower }
    public var description: String { "\(lower)..<\(upper)" }
}
