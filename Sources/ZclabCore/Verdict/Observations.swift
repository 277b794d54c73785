import Foundation

/// What a scenario run showed, as named values that expectations are judged
/// against (the keys are listed in `ObservationKeys`).
public struct Observations: Sendable {
    public var values: [String: ObservedValue] = [:]

    public init() {}

    /// The value recorded under a fixed-name key.
    public subscript<Key: ObservationGroup>(_ key: Key) -> ObservedValue? {
        get { values[key.rawValue] }
        set { values[key.rawValue] = newValue }
    }

    /// Device features a scenario changed, as read back (`features.SIDE.NAME`:
    /// on or off), and whether every changeable feature was back to its
    /// original state afterwards (`features.restored`).
    /// `sides` names each end's interface by side; on loopback both sides
    /// are `lo`, and a change there is recorded under both.
    public mutating func addFeatures(_ changes: [FeatureChange], sides: [(side: String, interface: String)], restored: Bool) {
        for change in changes {
            let state = change.after.hasPrefix("on") ? "on" : "off"
            let named = sides.filter { $0.interface == change.interface }.map(\.side)
            for side in named.isEmpty ? [change.interface] : named {
                values["features.\(side).\(change.feature)"] = .text(state)
            }
        }
        self[RunObservation.featuresRestored] = .flag(restored)
    }

    /// A file-to-file copy: bytes, whether the copy equals the source, and
    /// whether the source's holes survived (the copy allocates no more than
    /// the source, give or take 1 MiB).
    public mutating func addCopy(_ report: CopyReport) {
        self[CopyObservation.bytes] = .number(Int64(report.bytes))
        self[CopyObservation.error] = .text(report.error ?? "none")
        self[CopyObservation.matches] = .flag(report.check.matches)
        self[CopyObservation.firstMismatch] = report.check.firstMismatch.map { .number(Int64($0.offset)) } ?? .text("none")
        self[CopyObservation.sourceAllocatedBytes] = .number(Int64(report.sourceAllocated))
        self[CopyObservation.allocatedBytes] = .number(Int64(report.destinationAllocated))
        self[CopyObservation.holesKept] = .flag(report.destinationAllocated <= report.sourceAllocated + (1 << 20))
    }

    /// Per-call figures over all of an actor's steps: calls, return total,
    /// smallest and largest return, and the last errno ("none" if no call failed).
    mutating func addCalls(_ steps: [SyscallStep], actor: String) {
        for call in Set(steps.map(\.call)) {
            let mine = steps.filter { $0.call == call }
            let key = "\(actor).\(call)"
            values["\(key).calls"] = .number(Int64(mine.reduce(0) { $0 + $1.calls }))
            let succeeded = mine.filter { $0.returned != nil }
            values["\(key).return_total"] = .number(succeeded.reduce(0) { $0 + $1.returned! })
            if let low = succeeded.compactMap(\.returnMin).min() { values["\(key).return_min"] = .number(low) }
            if let high = succeeded.compactMap(\.returnMax).max() { values["\(key).return_max"] = .number(high) }
            values["\(key).errno"] = .text(mine.last(where: { $0.errno != nil })?.errno ?? "none")
            values["\(key).duration_ms"] = .number(Int64(mine.reduce(0) { $0 + $1.durationNs } / 1_000_000))
        }
    }

    /// Judges each expectation. Wire expectations cannot pass on a capture with drops.
    public func judge(_ expectations: [Expectation], dropped: UInt64) -> [Assertion] {
        expectations.map { expectation in
            let actual = values[expectation.key]
            var ok = actual.map(expectation.matcher.accepts) ?? false
            var note: String?
            if actual == nil { note = "not observed in this run" }
            if expectation.key.hasPrefix("wire.") && dropped > 0 {
                ok = false
                note = "the capture dropped \(dropped) packets: wire checks cannot pass"
            }
            return Assertion(
                what: expectation.key, expected: expectation.matcher.description,
                actual: actual?.description ?? "nothing", ok: ok, note: note)
        }
    }
}

public enum RunObservation: String, ObservationGroup {
    case fileSizeAfter = "file.size_after"
    case captureDropped = "capture.dropped"
    case featuresRestored = "features.restored"
    case lossDropped = "loss.dropped"

    public var declaration: (type: ValueType, meaning: String) {
        switch self {
        case .fileSizeAfter: (ValueType.number, "the test file's size when the transfer ended")
        case .captureDropped: (ValueType.number, "packets libpcap dropped, over all captures")
        case .featuresRestored: (ValueType.flag, "every changeable feature of the interfaces was back to its original state after the scenario")
        case .lossDropped: (ValueType.number, "data segments the loss: rule dropped on the way in before restore-link")
        }
    }
}

public enum CopyObservation: String, ObservationGroup {
    case bytes = "copy.bytes"
    case error = "copy.error"
    case matches = "copy.matches"
    case firstMismatch = "copy.first_mismatch"
    case allocatedBytes = "copy.allocated_bytes"
    case sourceAllocatedBytes = "copy.source_allocated_bytes"
    case holesKept = "copy.holes_kept"

    public var declaration: (type: ValueType, meaning: String) {
        switch self {
        case .bytes: (ValueType.number, "bytes a file-to-file copy's calls reported")
        case .error: (ValueType.errnoOrNone, "errno name of the call that stopped the copy, or none")
        case .matches: (ValueType.flag, "the copy equals the source, byte for byte")
        case .firstMismatch: (ValueType.numberOrNone, "offset of the first byte of the copy that differs, or none")
        case .allocatedBytes: (ValueType.number, "space the copy takes (st_blocks × 512)")
        case .sourceAllocatedBytes: (ValueType.number, "space the sparse source takes")
        case .holesKept: (ValueType.flag, "the copy takes no more space than the source (give or take 1 MiB): its holes survived")
        }
    }
}

extension ObservationKeys {
    /// `features.SIDE.FEATURE`: a device feature the scenario changed, as `addFeatures` records it.
    static let featureKeys = [
        ObservationKey([.word("features"), side, .any(placeholder: "FEATURE")], .words("on", "off"),
                       "a device feature the scenario changed, as read back"),
    ]
}
