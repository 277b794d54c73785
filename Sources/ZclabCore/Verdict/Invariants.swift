/// What must hold on every kernel, whatever a scenario expects: the bytes a
/// transfer or copy delivered are the file's bytes, or bytes the scenario's
/// own changes explain. zclab checks them after every scenario that ran on
/// the kernel; one broken fails the scenario on any kernel, while an
/// expectation that differs from the reference kernel may be reported as a
/// difference (`Assertion.Kind`).
public enum Invariant: String, CaseIterable, Sendable {
    /// Where the wire differs from the file, the bytes are explained.
    case wireExplained = "invariant.wire_explained"
    /// Where what the receiver read differs from the file, the bytes are explained.
    case receiverExplained = "invariant.receiver_explained"
    /// A file-to-file copy of a file nobody changed is the file.
    case copyIntact = "invariant.copy_intact"

    /// The observation it reads.
    var observed: String {
        switch self {
        case .wireExplained: "wire.first_mismatch_kind"
        case .receiverExplained: "receiver.first_mismatch_kind"
        case .copyIntact: CopyObservation.matches.rawValue
        }
    }

    /// What it allows, in words, for the report.
    func allowed(changesData: Bool) -> [String] {
        switch self {
        case .copyIntact: ["true"]
        case .wireExplained, .receiverExplained: Self.explainedKinds(changesData: changesData)
        }
    }

    /// First-difference kinds that a kernel may produce: none, a stream cut
    /// short, or bytes missing from the capture (a gap: unverifiable, not
    /// wrong). When the scenario changes the data (truncates, overwrites, or
    /// rewrites its own buffer while it is sent), also its zeros, its new
    /// bytes, bytes past the new end of file, and a retransmission carrying
    /// other bytes than the first transmission. Never `shifted` (another
    /// offset's bytes) or `other` (bytes from nowhere the scenario put).
    static func explainedKinds(changesData: Bool) -> [String] {
        ["none", "short", "missing"] + (changesData ? ["zeros", "new", "extra", "conflict"] : [])
    }

    /// The invariants `observations` let zclab check for `scenario`, judged.
    public static func check(_ observations: [String: ObservedValue], for scenario: Scenario) -> [Assertion] {
        let changes = scenario.changesData
        return allCases.compactMap { invariant in
            if invariant == .copyIntact && changes { return nil }
            guard let value = observations[invariant.observed] else { return nil }
            let allowed = invariant.allowed(changesData: changes)
            let ok = allowed.contains(value.description)
            return Assertion(
                what: invariant.rawValue, expected: "\(invariant.observed) one of [\(allowed.joined(separator: ", "))]",
                actual: value.description, ok: ok,
                note: ok ? nil : changes
                    ? "bytes neither the file's nor the scenario's change: data corrupted"
                    : "the scenario changes no data, yet the bytes differ from the file: data corrupted",
                kind: .invariant)
        }
    }
}

extension Scenario {
    /// Whether the scenario itself changes the bytes being sent: an action
    /// truncates or overwrites the file (or opens it with O_TRUNC), or the
    /// sender rewrites its own buffer after sending from it.
    public var changesData: Bool {
        let actionChanges = actions.contains { action in
            switch action.kind {
            case .file(.truncate), .file(.ftruncate), .file(.overwrite): true
            case .file(.open(let flags)): flags.contains("O_TRUNC")
            case .resumeReceiver, .features: false
            }
        }
        return actionChanges || senderRewritesItsBuffer
    }

    /// Whether zclab's sender rewrites the buffer it sent from, once the
    /// calls returned (`rewrite_after_send`, a MSG_ZEROCOPY script's `modify`).
    public var senderRewritesItsBuffer: Bool {
        guard let sender = workload.sender else { return false }
        return sender.options.rewriteAfterSend != nil
            || sender.zerocopy?.steps?.contains { if case .modify = $0 { true } else { false } } == true
    }
}
