/// What a receive method other than read saw beyond its calls: `receiver.*`.
extension Observations {
    mutating func addReceivePath(_ report: ReceivePathReport, bytes: UInt64) {
        switch report {
        case .mapped(let mapped):
            self[ReceivePathObservation.mappedBytes] = .number(Int64(mapped.mappedBytes))
            self[ReceivePathObservation.copiedBytes] = .number(Int64(mapped.copiedBytes))
            let taken = mapped.mappedBytes + mapped.copiedBytes
            self[ReceivePathObservation.mappedPercent] = .number(taken == 0 ? 0 : Int64(mapped.mappedBytes * 100 / taken))
            self[ReceivePathObservation.skipHints] = .number(Int64(mapped.skipHints))
            self[ReceivePathObservation.callsPerMiB] = .number(bytes == 0 ? 0 : Int64((UInt64(mapped.calls) << 20 + bytes - 1) / bytes))
            if let region = mapped.regionAfterEnd { self[ReceivePathObservation.regionAfterEnd] = .text(region) }
            if let signal = mapped.signalAfterDrop { self[ReceivePathObservation.signalAfterDrop] = .text(signal) }
        case .file(let file):
            self[ReceivePathObservation.destinationBytes] = .number(Int64(file.size))
        }
    }
}

public enum ReceivePathObservation: String, ObservationGroup {
    case mappedBytes = "receiver.mapped_bytes"
    case copiedBytes = "receiver.copied_bytes"
    case mappedPercent = "receiver.mapped_percent"
    case skipHints = "receiver.skip_hints"
    case callsPerMiB = "receiver.calls_per_mib"
    case regionAfterEnd = "receiver.region_after_end"
    case signalAfterDrop = "receiver.signal_after_drop"
    case destinationBytes = "receiver.destination_bytes"

    public var declaration: (type: ValueType, meaning: String) {
        switch self {
        case .mappedBytes: (ValueType.number, "mmap-receive: bytes TCP_ZEROCOPY_RECEIVE mapped, whole pages")
        case .copiedBytes: (ValueType.number, "mmap-receive: bytes read by copy (the skip hints: what could not be mapped)")
        case .mappedPercent: (ValueType.number, "mmap-receive: the mapped share of the stream, in whole percent (rounded down)")
        case .skipHints: (ValueType.number, "mmap-receive: calls that named bytes to read by copy before the next mappable ones")
        case .callsPerMiB: (ValueType.number, "mmap-receive: getsockopt(TCP_ZEROCOPY_RECEIVE) calls per MiB received, rounded up")
        case .regionAfterEnd: (ValueType.words("stale", "other", "none mapped"), "mmap-receive with touch_after_end: the mapping read after the stream ended: stale (the last pages mapped, still the file's bytes of their offsets), other, or none mapped")
        case .signalAfterDrop: (ValueType.signalOrNone, "mmap-receive with touch_after_end: the signal a read of the mapping got once MADV_DONTNEED dropped its pages, or none")
        case .destinationBytes: (ValueType.number, "splice-to-file: the destination file's size once the stream ended")
        }
    }
}
