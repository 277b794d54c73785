#if canImport(Glibc)
import Glibc
#endif

/// Bytes that a stream is expected to carry, produced on demand so that a
/// transfer of any size is checked without holding it in memory.
public protocol ExpectedContent: Sendable {
    /// Length of the content in bytes.
    var count: UInt64 { get }
    /// Writes bytes `offset ..< offset + buffer.count` into `buffer`.
    /// The range lies within `0 ..< count`.
    func fill(_ buffer: UnsafeMutableRawBufferPointer, at offset: UInt64)
    /// Where found bytes came from, if the content can tell (see
    /// `TestPattern.origin(of:below:)`); nil otherwise.
    func origin(of found: UnsafeRawBufferPointer) -> UInt64?
}

/// A test file: the pattern of `seed` inside `dataExtents` and zeros (holes)
/// elsewhere. A file with no extents given is pattern throughout.
public struct PatternContent: ExpectedContent, Hashable {
    public let count: UInt64
    public let pattern: TestPattern
    /// Sorted, non-overlapping ranges that hold pattern bytes; nil means all.
    public let dataExtents: [Range<UInt64>]?

    public init(count: UInt64, seed: UInt64, dataExtents: [Range<UInt64>]? = nil) {
        self.count = count
        self.pattern = TestPattern(seed: seed)
        self.dataExtents = dataExtents?
            .map { $0.clamped(to: 0..<count) }
            .filter { !$0.isEmpty }
            .sorted { $0.lowerBound < $1.lowerBound }
    }

    public func fill(_ buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) {
        guard let extents = dataExtents else {
            pattern.fill(buffer, at: offset)
            return
        }
        let end = offset + UInt64(buffer.count)
        if let base = buffer.baseAddress { memset(base, 0, buffer.count) }  // fast in debug builds too
        for extent in extents where extent.upperBound > offset && extent.lowerBound < end {
            let lower = max(extent.lowerBound, offset)
            let upper = min(extent.upperBound, end)
            let slice = UnsafeMutableRawBufferPointer(rebasing:
                buffer[Int(lower - offset) ..< Int(upper - offset)])
            pattern.fill(slice, at: lower)
        }
    }

    public func origin(of found: UnsafeRawBufferPointer) -> UInt64? {
        pattern.origin(of: found, below: count)
    }
}
