/// Pieces of a file, one after another: what a sender that sends chosen
/// ranges (sendfile at given offsets) should put on the wire.
public struct ConcatenatedContent: ExpectedContent {
    public let base: PatternContent
    public let pieces: [ByteRange]
    public let count: UInt64

    public init(base: PatternContent, pieces: [ByteRange]) {
        self.base = base
        self.pieces = pieces.filter { $0.count > 0 }
        self.count = self.pieces.reduce(0) { $0 + $1.count }
    }

    public func fill(_ buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) {
        var streamStart: UInt64 = 0
        var done = 0
        for piece in pieces where done < buffer.count {
            let streamEnd = streamStart + piece.count
            let want = offset + UInt64(done)
            if want < streamEnd {
                let inPiece = want - streamStart
                let length = Int(min(UInt64(buffer.count - done), piece.count - inPiece))
                base.fill(UnsafeMutableRawBufferPointer(rebasing: buffer[done ..< done + length]), at: piece.lower + inPiece)
                done += length
            }
            streamStart = streamEnd
        }
    }

    /// The file offset the found bytes belong at (not a stream offset).
    public func origin(of found: UnsafeRawBufferPointer) -> UInt64? { base.origin(of: found) }
}
