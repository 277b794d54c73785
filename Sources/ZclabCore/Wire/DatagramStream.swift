/// Datagrams put back in the stream of file bytes they were cut from.
///
/// A datagram carries no offset, and one lost before it arrives must not
/// make every later byte look wrong. The test file's pattern names the offset
/// of any 16 bytes of it, often of fewer (`ExpectedContent.origin(of:)`), so each datagram is
/// placed where its own bytes say it belongs, at or after the end of the one
/// before: what lies between is skipped as missing (lost), and the datagram
/// is then compared byte for byte there. A datagram whose bytes name no place
/// ahead (too short to tell, not pattern bytes, or an offset already passed:
/// reordered or duplicated) is compared at the current end, where it shows
/// as a mismatch unless it belongs there.
public final class DatagramStream {
    private let sink: any TCPStreamSink
    private let content: any ExpectedContent
    /// The file ranges the stream carries, in order.
    private let pieces: [ByteRange]
    /// The stream offset after the last datagram placed.
    private var end: UInt64 = 0
    public private(set) var tally = DatagramTally()
    /// The stream ranges skipped as lost, in order.
    public private(set) var lost: [ByteRange] = []

    /// Datagrams cut from `content`, which is `pieces` of a file one after
    /// another (nil: the whole content, from offset 0), checked by `sink`.
    public init(sink: any TCPStreamSink, content: any ExpectedContent, pieces: [ByteRange]?) {
        self.sink = sink
        self.content = content
        self.pieces = pieces ?? [ByteRange(lower: 0, upper: content.count)]
    }

    /// The next datagram's payload.
    public func receive(_ datagram: UnsafeRawBufferPointer) {
        tally.count(datagram.count)
        switch streamOffset(ofFileOffset: content.origin(of: datagram)) {
        case let place? where place > end:
            sink.skip(place - end, because: .missing)
            tally.lostBytes += place - end
            lost.append(ByteRange(lower: end, upper: place))
            end = place
        case .some:
            break  // in its place
        case nil:
            if datagram.count >= 16 { tally.misplaced += 1 }  // shorter ones may not tell
        }
        sink.receive(datagram)
        end += UInt64(datagram.count)
    }

    /// The first stream offset at or after `end` that holds file offset `origin`.
    private func streamOffset(ofFileOffset origin: UInt64?) -> UInt64? {
        guard let origin else { return nil }
        var start: UInt64 = 0
        for piece in pieces {
            if piece.lower <= origin, origin < piece.upper, start + (origin - piece.lower) >= end {
                return start + (origin - piece.lower)
            }
            start += piece.count
        }
        return nil
    }
}

/// How many datagrams came, their sizes, and what was lost between them.
public struct DatagramTally: Codable, Sendable, Equatable {
    public var datagrams = 0
    /// Payload bytes of the smallest and largest datagram (0 without any).
    public var smallest = 0
    public var largest = 0
    /// Stream bytes skipped because the datagram after them names a later
    /// place: sent (or meant to be) but never seen.
    public var lostBytes: UInt64 = 0
    /// Datagrams of 16 bytes or more whose bytes name no place ahead of the one before.
    public var misplaced = 0

    public init() {}

    mutating func count(_ size: Int) {
        smallest = datagrams == 0 ? size : min(smallest, size)
        largest = max(largest, size)
        datagrams += 1
    }

    enum CodingKeys: String, CodingKey {
        case datagrams, smallest, largest, misplaced
        case lostBytes = "lost_bytes"
    }
}
