#if canImport(Glibc)
import Glibc
#endif

/// Expected bytes taken from a file on disk, mapped read-only.
public final class FileContent: ExpectedContent, @unchecked Sendable {
    public let path: String
    public let count: UInt64
    private let mapping: FileMapping?

    /// Maps `path`; throws the errno of open(2), fstat(2) or mmap(2).
    public init(path: String) throws(Errno) {
        self.path = path
        let file = try FileDescriptor.open(path, .readOnly)
        defer { try? file.close() }
        count = UInt64(try file.size())
        mapping = count > 0 ? try FileMapping(file, offset: 0, length: Int(count), sharing: .private) : nil
    }

    deinit { mapping?.unmap() }

    public func fill(_ buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) {
        guard let mapping, let target = buffer.baseAddress else { return }
        target.copyMemory(from: mapping.base + Int(offset), byteCount: buffer.count)
    }

    public func origin(of found: UnsafeRawBufferPointer) -> UInt64? { nil }
}
