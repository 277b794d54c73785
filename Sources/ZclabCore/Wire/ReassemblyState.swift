/// What the TCP reassembler keeps beside the stream: notes on what it saw,
/// out-of-order segments waiting for a hole to fill, and merged ranges.

/// Remarkable things seen while reassembling, turned into notes.
struct ReassemblyEvents {
    var firstSequenceWithoutSYN: UInt32?
    var ignoredSYNs = 0
    var bytesBeforeStart: UInt64 = 0
    var reorderLimitGaps = 0
    var uncheckedRetransmittedBytes: UInt64 = 0

    var notes: [String] {
        var notes: [String] = []
        if let sequence = firstSequenceWithoutSYN {
            notes.append("no SYN captured: stream offset 0 is the first byte seen (sequence number \(sequence))")
        }
        if ignoredSYNs > 0 {
            notes.append("\(ignoredSYNs) SYN(s) with another initial sequence number ignored")
        }
        if bytesBeforeStart > 0 {
            notes.append("\(bytesBeforeStart) payload bytes before stream offset 0 ignored")
        }
        if reorderLimitGaps > 0 {
            notes.append("\(reorderLimitGaps) hole(s) declared missing because too many out-of-order bytes waited behind them")
        }
        if uncheckedRetransmittedBytes > 0 {
            notes.append("\(uncheckedRetransmittedBytes) retransmitted bytes past the expected content and older than the comparison ring were not compared")
        }
        return notes
    }
}

/// A copied out-of-order segment.
struct PendingSegment {
    var offset: UInt64
    var bytes: [UInt8]
    /// Bytes after `bytes` that the capture cut off.
    var truncatedLength: UInt64
}

/// Out-of-order segments, a binary min-heap on offset.
struct PendingSegments {
    private var heap: [PendingSegment] = []
    private(set) var byteCount = 0

    var first: PendingSegment? { heap.first }

    mutating func insert(_ segment: PendingSegment) {
        byteCount += segment.bytes.count
        heap.append(segment)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].offset < heap[parent].offset else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    mutating func removeFirst() -> PendingSegment {
        heap.swapAt(0, heap.count - 1)
        let segment = heap.removeLast()
        byteCount -= segment.bytes.count
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < heap.count, heap[left].offset < heap[smallest].offset { smallest = left }
            if right < heap.count, heap[right].offset < heap[smallest].offset { smallest = right }
            guard smallest != parent else { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        return segment
    }
}

extension ByteRange {
    /// Sorts ranges and joins those that overlap or touch.
    static func merged(_ ranges: [ByteRange]) -> [ByteRange] {
        var result: [ByteRange] = []
        for range in ranges.sorted(by: { $0.lower < $1.lower }) {
            if let last = result.last, range.lower <= last.upper {
                result[result.count - 1].upper = max(last.upper, range.upper)
            } else {
                result.append(range)
            }
        }
        return result
    }
}
