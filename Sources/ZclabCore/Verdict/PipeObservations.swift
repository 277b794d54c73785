/// `pipe.*`: what a pipe workload's pipes gave back, checked against what
/// its calls put in, and the user pages vmsplice lent.
public enum PipeObservation: String, ObservationGroup {
    case matches = "pipe.matches"
    case firstMismatch = "pipe.first_mismatch"
    case bytesRead = "pipe.bytes_read"
    case teeMatches = "pipe.tee_matches"
    case teeFirstMismatch = "pipe.tee_first_mismatch"
    case teeBytesRead = "pipe.tee_bytes_read"
    case userPagesIntact = "pipe.user_pages_intact"
    case error = "pipe.error"

    public var declaration: (type: ValueType, meaning: String) {
        switch self {
        case .matches: (ValueType.flag, "every byte read from the pipe (and from the second pipe a tee filled) is the byte put in there, in order, and no more")
        case .firstMismatch: (ValueType.numberOrNone, "offset in the pipe's stream of the first byte read that differs from what was put in, or none")
        case .bytesRead: (ValueType.number, "bytes read from the pipe, its final drain included")
        case .teeMatches: (ValueType.flag, "every byte read from the second pipe is what tee and the write into it put there")
        case .teeFirstMismatch: (ValueType.numberOrNone, "offset in the second pipe's stream of the first byte that differs, or none")
        case .teeBytesRead: (ValueType.number, "bytes read from the second pipe")
        case .userPagesIntact: (ValueType.flag, "the whole pages vmsplice lent hold their pattern after the steps: no write merged into them")
        case .error: (ValueType.errnoOrNone, "errno name of the call that stopped the steps, or none")
        }
    }
}

extension Observations {
    /// A pipe workload's verdict on its pipes; the tee and vmsplice keys
    /// only when a step teed or vmspliced.
    mutating func addPipe(_ report: PipeReport) {
        let streams = [report.pipe] + (report.tee.map { [$0] } ?? [])
        self[PipeObservation.matches] = .flag(streams.allSatisfy { $0.firstMismatch == nil } && report.userPagesIntact != false)
        self[PipeObservation.firstMismatch] = report.pipe.firstMismatch.map { .number(Int64($0)) } ?? .text("none")
        self[PipeObservation.bytesRead] = .number(Int64(report.pipe.bytesRead))
        self[PipeObservation.error] = .text(report.error ?? "none")
        if let tee = report.tee {
            self[PipeObservation.teeMatches] = .flag(tee.firstMismatch == nil)
            self[PipeObservation.teeFirstMismatch] = tee.firstMismatch.map { .number(Int64($0)) } ?? .text("none")
            self[PipeObservation.teeBytesRead] = .number(Int64(tee.bytesRead))
        }
        if let intact = report.userPagesIntact { self[PipeObservation.userPagesIntact] = .flag(intact) }
    }
}
