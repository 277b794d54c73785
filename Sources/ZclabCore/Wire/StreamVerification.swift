/// The first place where a stream differs from what was expected.
public struct Mismatch: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// Found bytes are all zero.
        case zeros
        /// Found bytes are the expected bytes of another offset (`sourceOffset`).
        case shifted
        /// Found bytes differ in some other way.
        case other
        /// Bytes absent from the capture (a gap).
        case missing
        /// Bytes past the end of the expected content.
        case extra
        /// The stream ended before the expected content did.
        case short
        /// A retransmission disagreed with bytes seen before at the same offset.
        case conflict
    }

    /// Stream offset of the first differing byte.
    public var offset: UInt64
    public var kind: Kind
    /// For `shifted`: the content offset (not stream offset) whose expected
    /// bytes were found here.
    public var sourceOffset: UInt64?
    /// Up to 16 expected bytes at `offset`, hex (for `conflict`: the bytes
    /// seen first).
    public var expectedHex: String
    /// Up to 16 found bytes at `offset`, hex (for `conflict`: the later bytes).
    public var foundHex: String
    /// Bytes from `offset` to the last differing byte of this run (a run ends
    /// at 16 matching bytes in a row); for missing/extra/short/conflict, the
    /// length of that range.
    public var length: UInt64

    public init(offset: UInt64, kind: Kind, sourceOffset: UInt64? = nil,
                expectedHex: String, foundHex: String, length: UInt64) {
        self.offset = offset
        self.kind = kind
        self.sourceOffset = sourceOffset
        self.expectedHex = expectedHex
        self.foundHex = foundHex
        self.length = length
    }

    enum CodingKeys: String, CodingKey {
        case offset, kind, length
        case sourceOffset = "source_offset"
        case expectedHex = "expected_hex"
        case foundHex = "found_hex"
    }
}

/// Why a reassembled stream skips bytes.
public enum StreamHole: Sendable, Equatable {
    /// The capture holds no copy of these bytes.
    case missing
    /// The capture cut these bytes off (snaplen).
    case truncated
}

/// Receives a reassembled byte stream in order.
public protocol TCPStreamSink: AnyObject {
    /// The next bytes of the stream.
    func receive(_ bytes: UnsafeRawBufferPointer)
    /// The next `length` bytes of the stream are not available.
    func skip(_ length: UInt64, because hole: StreamHole)
}

/// What `StreamVerifier` found.
public struct StreamVerification: Sendable, Equatable {
    /// Bytes received (skipped bytes not included).
    public var bytes: UInt64
    /// Stream offset after the last byte received or skipped.
    public var streamEnd: UInt64
    /// SHA-256 of the received bytes, hex.
    public var sha256: String
    public var expectedBytes: UInt64
    /// SHA-256 of the expected bytes, hex.
    public var expectedSHA256: String
    public var firstMismatch: Mismatch?
    /// Received bytes that differ from the expected ones.
    public var mismatchedBytes: UInt64
    public var missingBytes: UInt64
    public var truncatedBytes: UInt64
    public var extraBytes: UInt64

    /// Every expected byte was received, equal, and nothing more.
    public var matches: Bool {
        firstMismatch == nil && truncatedBytes == 0 && bytes == expectedBytes
    }
}
