/// What a pipe must give back, in order: the pieces its calls put in, each
/// named by where its bytes came from (the file at an offset, or a pattern
/// stream), consumed from the front as it is read. It follows the calls'
/// return values, so a short splice or write is followed exactly.
public struct PipeContent: Sendable {
    /// `count` bytes of `source` from `offset`.
    struct Piece: Sendable {
        let source: PatternContent
        var offset: UInt64
        var count: UInt64
    }

    private var pieces: [Piece] = []
    /// The bytes it holds.
    public private(set) var count: UInt64 = 0

    public init() {}

    /// Appends `count` bytes of `source` from `offset`.
    public mutating func append(_ source: PatternContent, offset: UInt64, count: UInt64) {
        guard count > 0 else { return }
        pieces.append(Piece(source: source, offset: offset, count: count))
        self.count += count
    }

    /// Appends all `other` holds.
    public mutating func append(_ other: PipeContent) {
        for piece in other.pieces { append(piece.source, offset: piece.offset, count: piece.count) }
    }

    /// Its first `count` bytes (all it holds, if fewer): what tee(2) duplicated.
    public func prefix(_ count: UInt64) -> PipeContent {
        var copy = PipeContent()
        var left = count
        for piece in pieces where left > 0 {
            copy.append(piece.source, offset: piece.offset, count: min(piece.count, left))
            left -= min(piece.count, left)
        }
        return copy
    }

    /// Fills `buffer` with the next bytes and removes them; returns how many
    /// it had (fewer than `buffer.count` when it holds fewer).
    public mutating func take(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        var filled = 0
        while filled < buffer.count, var first = pieces.first {
            let part = Int(min(first.count, UInt64(buffer.count - filled)))
            first.source.fill(UnsafeMutableRawBufferPointer(rebasing: buffer[filled..<filled + part]), at: first.offset)
            filled += part
            first.offset += UInt64(part)
            first.count -= UInt64(part)
            if first.count == 0 { pieces.removeFirst() } else { pieces[0] = first }
        }
        count -= UInt64(filled)
        return filled
    }
}

/// The bytes read from one pipe, checked against what was put in: how many
/// were read and where the first that differs is, as an offset in the
/// pipe's stream (a byte more than was put in is a difference too).
public struct PipeReading: Sendable {
    public private(set) var expected = PipeContent()
    public private(set) var bytesRead: UInt64 = 0
    public private(set) var firstMismatch: UInt64?

    /// A pipe that starts with `content` in it (a tee's second pipe).
    public init(holding content: PipeContent = PipeContent()) { expected = content }

    /// Records `count` bytes of `source` from `offset` as put in.
    public mutating func put(_ source: PatternContent, offset: UInt64, count: UInt64) {
        expected.append(source, offset: offset, count: count)
    }

    /// Records what tee(2) duplicated into this pipe.
    public mutating func put(_ content: PipeContent) {
        expected.append(content)
    }

    /// Checks bytes just read against the next bytes put in.
    public mutating func check(_ read: UnsafeRawBufferPointer) {
        let wanted = UnsafeMutableRawBufferPointer.allocate(byteCount: read.count, alignment: 8)
        defer { wanted.deallocate() }
        let known = expected.take(into: wanted)
        if firstMismatch == nil {
            let differs = (0..<read.count).first { $0 >= known || read[$0] != wanted[$0] }
            firstMismatch = differs.map { bytesRead + UInt64($0) }
        }
        bytesRead += UInt64(read.count)
    }
}
