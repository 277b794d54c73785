#if canImport(Glibc)
import Glibc
#endif

/// A test file: its size, pattern seed and, for a sparse file, the ranges
/// that hold data (the rest are holes that read as zeros).
public struct TestFileSpec: Codable, Sendable, Hashable {
    public var size: UInt64
    public var seed: UInt64
    /// Ranges written with the pattern; nil writes the whole file.
    public var dataExtents: [ByteRange]?

    public init(size: UInt64, seed: UInt64, dataExtents: [ByteRange]? = nil) {
        self.size = size
        self.seed = seed
        self.dataExtents = dataExtents
    }

    /// What reading the file back must give.
    public var content: PatternContent {
        PatternContent(count: size, seed: seed, dataExtents: dataExtents?.map { $0.lower ..< $0.upper })
    }

    /// Data extents of `window` bytes on each side of every offset in `marks`,
    /// merged where they touch and clipped to the file.
    public static func extents(around marks: [UInt64], window: UInt64, size: UInt64) -> [ByteRange] {
        var merged: [ByteRange] = []
        for mark in marks.sorted() {
            let range = ByteRange(lower: mark > window ? mark - window : 0, upper: min(size, mark + window))
            if let last = merged.last, range.lower <= last.upper {
                merged[merged.count - 1].upper = max(last.upper, range.upper)
            } else {
                merged.append(range)
            }
        }
        return merged
    }

    enum CodingKeys: String, CodingKey {
        case size, seed
        case dataExtents = "data_extents"
    }

    /// Creates the file at `path` (replacing any), sized with ftruncate(2) so
    /// that unwritten ranges are holes, and writes the pattern into its extents.
    public func create(at path: String) throws(Errno) {
        let file = try FileDescriptor.open(path, [.writeOnly, .create, .truncate])
        defer { try? file.close() }
        try file.truncate(to: Int64(size))
        let chunkSize = 4 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        let pattern = content.pattern
        for extent in dataExtents ?? [ByteRange(lower: 0, upper: size)] {
            var offset = extent.lower
            let end = min(extent.upper, size)
            while offset < end {
                let count = Int(min(UInt64(chunkSize), end - offset))
                let slice = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count])
                pattern.fill(slice, at: offset)
                try file.writeAll(UnsafeRawBufferPointer(slice), at: Int64(offset))
                offset += UInt64(count)
            }
        }
    }
}
