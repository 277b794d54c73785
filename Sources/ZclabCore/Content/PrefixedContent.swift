/// Bytes known exactly (a response header as the client received it)
/// followed by a file: what a program's response should carry on the wire.
public struct PrefixedContent: ExpectedContent {
    public let prefix: [UInt8]
    public let base: any ExpectedContent
    public var count: UInt64 { UInt64(prefix.count) + base.count }

    public init(prefix: [UInt8], base: any ExpectedContent) {
        self.prefix = prefix
        self.base = base
    }

    public func fill(_ buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) {
        var done = 0
        if offset < UInt64(prefix.count) {
            let length = min(buffer.count, prefix.count - Int(offset))
            prefix.withUnsafeBytes { bytes in
                buffer.baseAddress!.copyMemory(from: bytes.baseAddress! + Int(offset), byteCount: length)
            }
            done = length
        }
        if done < buffer.count {
            let start = offset + UInt64(done) - UInt64(prefix.count)
            base.fill(UnsafeMutableRawBufferPointer(rebasing: buffer[done...]), at: start)
        }
    }

    /// Where found bytes of the file part came from, as a file offset.
    public func origin(of found: UnsafeRawBufferPointer) -> UInt64? { base.origin(of: found) }
}
