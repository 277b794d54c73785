/// One IPv4 or IPv6 fragment, as `PacketDecoder` finds it: which datagram
/// it belongs to and where its parts are in the captured bytes. Only the
/// fragment of offset 0 holds the TCP header, so a fragmented segment is
/// judged once `IPFragmentReassembler` has all its pieces.
public struct IPFragment: Hashable, Sendable {
    /// The datagram a fragment belongs to (RFC 791: source, destination,
    /// protocol, identification; RFC 8200: source, destination, identification).
    public struct Key: Hashable, Sendable {
        public var source: IPAddress
        public var destination: IPAddress
        public var identification: UInt32
        /// The protocol of the reassembled payload (6 for TCP).
        public var payloadProtocol: UInt8
    }

    public var key: Key
    /// The IP header to rebuild the datagram from: the whole IPv4 header, or
    /// the 40-byte fixed IPv6 header (extension headers before the fragment
    /// header are dropped; the decoder skips them anyway).
    public var header: Range<Int>
    /// Where this fragment's data goes in the datagram's payload, in bytes.
    public var offset: Int
    /// False on the last fragment, which gives the datagram's length.
    public var moreFragments: Bool
    /// This fragment's data in the captured bytes.
    public var data: Range<Int>
}

/// Puts IP fragments back together, in any order, with bounded memory.
///
/// Overlapping fragments with the same bytes (a duplicate) are accepted;
/// fragments that overlap with different bytes are a finding
/// (`conflictingDatagrams`) and their datagram is dropped, as Linux drops it
/// (RFC 5722; IPv4 since 4.19). At most `pendingLimit` datagrams wait for
/// their missing pieces; beyond that the oldest is given up.
public final class IPFragmentReassembler {
    private struct Pending {
        var header: [UInt8]
        /// Data pieces by offset, none overlapping another.
        var pieces: [(offset: Int, bytes: [UInt8])] = []
        /// The payload length, once the last fragment is seen.
        var length: Int?
        var conflicting = false
        var received: Int { pieces.reduce(0) { $0 + $1.bytes.count } }
    }

    public let pendingLimit: Int
    private var pending: [IPFragment.Key: Pending] = [:]
    /// Keys in arrival order of their first fragment, to give up the oldest.
    private var order: [IPFragment.Key] = []
    public private(set) var fragments = 0
    public private(set) var reassembledDatagrams = 0
    public private(set) var conflictingDatagrams = 0
    /// Datagrams given up (too many pending) or still incomplete at `notes`.
    public private(set) var abandonedDatagrams = 0

    public init(pendingLimit: Int = 256) { self.pendingLimit = pendingLimit }

    /// Adds `fragment` of `packet`; returns the whole datagram as an IP
    /// packet (decodable as link type RAW) when this was its last missing piece.
    public func add(_ fragment: IPFragment, packet: UnsafeRawBufferPointer) -> [UInt8]? {
        fragments += 1
        let bytes = Array(packet[fragment.data])
        if pending[fragment.key] == nil {
            if order.count >= pendingLimit {
                let oldest = order.removeFirst()
                pending[oldest] = nil
                abandonedDatagrams += 1
            }
            pending[fragment.key] = Pending(header: [])
            order.append(fragment.key)
        }
        guard var datagram = pending[fragment.key] else { return nil }
        if fragment.offset == 0 { datagram.header = Array(packet[fragment.header]) }
        if !fragment.moreFragments { datagram.length = fragment.offset + bytes.count }
        datagram.conflicting = datagram.conflicting || !Self.merge(fragment.offset, bytes, into: &datagram.pieces)
        guard let length = datagram.length, !datagram.header.isEmpty, datagram.received == length else {
            pending[fragment.key] = datagram
            return nil
        }
        forget(fragment.key)
        if datagram.conflicting {
            conflictingDatagrams += 1
            return nil
        }
        reassembledDatagrams += 1
        var payload: [UInt8] = []
        payload.reserveCapacity(length)
        for piece in datagram.pieces.sorted(by: { $0.offset < $1.offset }) { payload += piece.bytes }
        return Self.packet(header: datagram.header, payloadProtocol: fragment.key.payloadProtocol, payload: payload)
    }

    /// Notes for the wire verdict: what was reassembled, and what was not.
    public var notes: [String] {
        var notes: [String] = []
        if fragments > 0 {
            notes.append("\(fragments) IP fragment(s) reassembled into \(reassembledDatagrams) datagram(s)")
        }
        let incomplete = abandonedDatagrams + pending.count
        if incomplete > 0 { notes.append("\(incomplete) fragmented IP datagram(s) incomplete in the capture") }
        if conflictingDatagrams > 0 {
            notes.append("\(conflictingDatagrams) IP datagram(s) with overlapping fragments that disagree (dropped, as the kernel drops them)")
        }
        return notes
    }

    /// Datagrams that could not be rebuilt because pieces are missing.
    public var incompleteDatagrams: Int { abandonedDatagrams + pending.count }

    private func forget(_ key: IPFragment.Key) {
        pending[key] = nil
        order.removeAll { $0 == key }
    }

    /// Adds the bytes of `data` at `offset` that no piece holds yet; returns
    /// false when bytes already held differ from `data`.
    static func merge(_ offset: Int, _ data: [UInt8], into pieces: inout [(offset: Int, bytes: [UInt8])]) -> Bool {
        var agrees = true
        // The stretches of [offset, offset + count) that no piece covers yet.
        var uncovered = [offset ..< offset + data.count]
        for piece in pieces {
            let held = piece.offset ..< piece.offset + piece.bytes.count
            let overlap = held.clamped(to: offset ..< offset + data.count)
            if !overlap.isEmpty,
               piece.bytes[(overlap.lowerBound - held.lowerBound) ..< (overlap.upperBound - held.lowerBound)]
                != data[(overlap.lowerBound - offset) ..< (overlap.upperBound - offset)]
            {
                agrees = false
            }
            uncovered = uncovered.flatMap { range -> [Range<Int>] in
                let cut = range.clamped(to: held)
                guard !cut.isEmpty else { return [range] }
                return [range.lowerBound ..< cut.lowerBound, cut.upperBound ..< range.upperBound].filter { !$0.isEmpty }
            }
        }
        for range in uncovered {
            pieces.append((range.lowerBound, Array(data[(range.lowerBound - offset) ..< (range.upperBound - offset)])))
        }
        return agrees
    }

    /// An unfragmented IP packet: `header` with its length and fragment
    /// fields rewritten, then `payload`. Nil when the payload does not fit
    /// an IP length field (a forged or corrupt set of fragments).
    static func packet(header: [UInt8], payloadProtocol: UInt8, payload: [UInt8]) -> [UInt8]? {
        var header = header
        if header[0] >> 4 == 4 {
            let total = header.count + payload.count
            guard total <= 0xFFFF else { return nil }
            header[2] = UInt8(total >> 8)
            header[3] = UInt8(total & 0xFF)
            header[6] = 0
            header[7] = 0
        } else {
            guard payload.count <= 0xFFFF else { return nil }
            header[4] = UInt8(payload.count >> 8)
            header[5] = UInt8(payload.count & 0xFF)
            header[6] = payloadProtocol
        }
        return header + payload
    }
}
