/// The observation keys a scenario may state expectations about, each with
/// the kind of value it takes. A key that matches none of these, or a value
/// its key can never take, is an error in the scenario file.
public enum ObservationKeys {
    /// Syscalls whose per-call figures are observed as `ACTOR.CALL.FIELD`:
    /// every agent's own and every send path's, as each declares them.
    public static let calls: [String] = {
        let declared = AgentName.allCases.flatMap { $0.role.syscalls } + SendMethod.allCases.flatMap { $0.path.syscalls }
        var seen = Set<String>()
        return declared.filter { seen.insert($0).inserted }
    }()

    /// What F_GETLEASE said.
    static let leaseState = ValueType.words("F_RDLCK", "F_WRLCK", "F_UNLCK", "none")
    /// Whether a stream carried a change made while it was queued.
    static let sourceBytes = ValueType.words("new", "old", "other")
    /// How a stream first differed from the file (`Mismatch.Kind`, "new" for an overwrite's data).
    static let mismatchKind = ValueType.words("zeros", "shifted", "new", "other", "missing", "extra", "short", "conflict", "none")

    /// Keys with a fixed name, each group declared beside the code that records it.
    public static let fixed: [ObservationKey] = SenderObservation.keys + UringObservation.keys + ZerocopyObservation.keys
        + ModelObservation.keys + ProgramObservation.keys + CopyObservation.keys + PipeObservation.keys + ReceiverObservation.keys + ReceivePathObservation.keys
        + WireObservation.keys + RunObservation.keys + PageCacheObservation.keys

    /// `ACTOR.CALL.FIELD`: figures over all of an actor's calls of one syscall.
    public static let callKeys: [ObservationKey] = [
        ("calls", ValueType.number, "how many calls were made"),
        ("return_total", .number, "the sum of the successful calls' results"),
        ("return_min", .number, "the smallest successful result"),
        ("return_max", .number, "the largest successful result"),
        ("errno", .errnoOrNone, "the errno of the last call that failed, or none"),
        ("duration_ms", .number, "milliseconds spent in the calls"),
    ].map { field, type, meaning in
        ObservationKey([
            .choice(placeholder: "ACTOR", choices: ["sender", "receiver", "actor", "copier", "pipe"]),
            .choice(placeholder: "CALL", choices: calls), .word(field),
        ], type, meaning)
    }

    static let side = ObservationKey.Segment.choice(placeholder: "SIDE", choices: ["receiver", "sender"])

    /// Every key, fixed names first.
    public static let all = fixed + callKeys + scriptKeys + zerocopyStepKeys + frameKeys + featureKeys + clientRecordKeys

    /// The key `name` is, or nil if it is none.
    public static func key(_ name: String) -> ObservationKey? {
        all.first { $0.matches(name) }
    }

    public static func isKnown(_ name: String) -> Bool { key(name) != nil }
}
