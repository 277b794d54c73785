#if canImport(Glibc)
import Glibc
#endif

/// Whole pages of the user-pages pattern, page-aligned, that vmsplice lends
/// the pipe (from their start): a write merged into them would change bytes
/// past the lent ones, which `holds` then finds.
final class UserPages {
    let bytes: UnsafeMutableRawBufferPointer
    /// Where in the pattern its bytes start.
    let offset: UInt64

    init(length: Int, pattern: PatternContent, at offset: UInt64) {
        let rounded = (length + pageSize - 1) / pageSize * pageSize
        bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: rounded, alignment: pageSize)
        self.offset = offset
        pattern.fill(bytes, at: offset)
    }

    deinit { bytes.deallocate() }

    /// Whether every byte still holds the pattern.
    func holds(_ pattern: PatternContent) -> Bool {
        let wanted = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 8)
        defer { wanted.deallocate() }
        pattern.fill(wanted, at: offset)
        return memcmp(wanted.baseAddress!, bytes.baseAddress!, bytes.count) == 0
    }
}
