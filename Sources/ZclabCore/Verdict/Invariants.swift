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
    /// The bytes a file-to-file copy of a file nobody changed reported
    /// copied are the file's (a copy refused or cut short is not corrupt).
    case copyIntact = "invariant.copy_intact"
    /// The test file, read again after the scenario, holds what the
    /// scenario's own changes leave: sending from its pages changed none.
    case pageCacheIntact = "invariant.page_cache_intact"
    /// A pipe gives back exactly the bytes put in, in order, and leaves the
    /// pages vmsplice lent as they were: nothing a pipe scenario does changes data.
    case pipeIntact = "invariant.pipe_intact"

    /// What it expected and what was observed, judged; nil when the run did
    /// not observe what it reads.
    func judge(_ observations: [String: ObservedValue], changesData: Bool) -> (expected: String, actual: String, ok: Bool)? {
        switch self {
        case .wireExplained, .receiverExplained:
            let key = self == .wireExplained ? "wire.first_mismatch_kind" : "receiver.first_mismatch_kind"
            guard let kind = observations[key] else { return nil }
            let allowed = Self.explainedKinds(changesData: changesData)
            return ("\(key) one of [\(allowed.joined(separator: ", "))]", kind.description, allowed.contains(kind.description))
        case .pageCacheIntact:
            guard let kind = observations[PageCacheObservation.firstMismatchKind.rawValue] else { return nil }
            return ("\(PageCacheObservation.firstMismatchKind.rawValue) none", kind.description, kind.description == "none")
        case .pipeIntact:
            guard let matches = observations[PipeObservation.matches.rawValue] else { return nil }
            return ("\(PipeObservation.matches.rawValue) true", matches.description, matches == .flag(true))
        case .copyIntact:
            guard !changesData, let mismatch = observations[CopyObservation.firstMismatch.rawValue],
                  case .number(let copied)? = observations[CopyObservation.bytes.rawValue] else { return nil }
            let ok = if case .number(let offset) = mismatch { offset >= copied } else { true }
            return ("copy.first_mismatch none or >= copy.bytes (\(copied))", mismatch.description, ok)
        }
    }

    /// What a broken invariant means.
    func brokenNote(changesData: Bool) -> String {
        switch self {
        case .pageCacheIntact: "the file read back is neither the original nor what the scenario's own changes leave: its page cache was changed"
        case .pipeIntact: "a pipe gave back other bytes than were put in, or a write changed pages vmsplice lent: data corrupted"
        case .wireExplained, .receiverExplained, .copyIntact: changesData
            ? "bytes neither the file's nor the scenario's change: data corrupted"
            : "the scenario changes no data, yet the bytes differ from the file: data corrupted"
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
            invariant.judge(observations, changesData: changes).map { judged in
                Assertion(
                    what: invariant.rawValue, expected: judged.expected, actual: judged.actual, ok: judged.ok,
                    note: judged.ok ? nil : invariant.brokenNote(changesData: changes), kind: .invariant)
            }
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
            case .file(.truncate), .file(.ftruncate), .file(.overwrite), .destination: true
            case .file(.open(let flags)): flags.contains("O_TRUNC")
            case .resumeReceiver, .features, .restoreLink: false
            }
        }
        return actionChanges || senderRewritesItsBuffer
    }

    /// Whether zclab's sender rewrites the buffer it sent from, once the
    /// calls returned (`rewrite_after_send`, a MSG_ZEROCOPY script's `modify`).
    public var senderRewritesItsBuffer: Bool {
        guard let sender = workload.sender else { return false }
        return sender.options.rewritesItsBuffer
            || sender.zerocopy?.steps?.contains { if case .modify = $0 { true } else { false } } == true
    }
}
