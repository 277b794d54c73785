import Foundation

/// Which capture files a run keeps once a scenario is judged (`zclab run
/// --keep-captures`). The report always keeps the verdicts, observations and
/// each capture's SHA-256; a dropped capture is marked in report.json with
/// the policy and its size, and `zclab report verify` says it cannot check it
/// again. A scenario's captures are kept or dropped together, since the wire
/// verification of a sampled capture needs both of its files.
public enum CaptureRetention: String, CaseIterable, Sendable, Codable {
    /// What a user needs to look at (the default): every capture of a
    /// scenario that failed or errored; of a passing one, small captures and
    /// those showing a wire that differs as expected, up to a budget per run.
    case useful
    /// Every capture, however large.
    case all
    /// Only the captures of scenarios that failed or errored.
    case failed
    /// No capture files: the report alone.
    case none

    /// The sizes `useful` works with.
    public struct Limits: Sendable, Equatable {
        /// A passing scenario's captures up to this size are kept.
        public var small: UInt64 = 4 << 20
        /// A passing scenario whose wire differs as it expects (a truncation,
        /// a rewritten buffer) keeps captures up to this size: they show it.
        public var telling: UInt64 = 24 << 20
        /// Passing scenarios' kept captures stop growing past this, so a
        /// default run's folder stays well under 200 MB.
        public var budget: UInt64 = 120 << 20

        public init() {}
    }

    /// What is decided for one scenario's captures.
    public enum Decision: Sendable, Equatable {
        case keep
        /// Dropped, with why, in the words the report shows.
        case drop(String)
    }

    /// Decides for a scenario whose captures take `bytes`, with `keptSoFar`
    /// bytes of passing scenarios' captures already kept in this run.
    public func decide(
        verdict: ScenarioResult.Verdict, differsAsExpected: Bool, bytes: UInt64, keptSoFar: UInt64, limits: Limits = Limits()
    ) -> Decision {
        let failed = verdict == .fail || verdict == .error
        switch self {
        case .all: return .keep
        case .none: return .drop("--keep-captures none")
        case .failed: return failed ? .keep : .drop("--keep-captures failed keeps only failed scenarios' captures")
        case .useful:
            if failed { return .keep }
            let limit = differsAsExpected ? limits.telling : limits.small
            guard bytes <= limit else {
                return .drop("--keep-captures useful keeps a passing scenario's captures up to \(ByteCount.describe(limit))")
            }
            guard keptSoFar + bytes <= limits.budget else {
                return .drop("--keep-captures useful keeps passing scenarios' captures up to \(ByteCount.describe(limits.budget)) a run")
            }
            return .keep
        }
    }

    /// Applies the policy to a judged scenario: measures its capture files,
    /// deletes them when dropped, and records size and policy in `result`.
    /// Returns the bytes kept that count against the budget.
    func apply(to result: inout ScenarioResult, keptSoFar: UInt64, limits: Limits = Limits()) -> UInt64 {
        guard !result.captures.isEmpty else { return 0 }
        for index in result.captures.indices {
            let attributes = try? FileManager.default.attributesOfItem(atPath: result.captures[index].path)
            result.captures[index].sizeBytes = (attributes?[.size] as? NSNumber)?.uint64Value
        }
        let bytes = result.captures.reduce(0) { $0 + ($1.sizeBytes ?? 0) }
        switch decide(verdict: result.verdict, differsAsExpected: result.wireDiffersAsExpected, bytes: bytes, keptSoFar: keptSoFar, limits: limits) {
        case .keep:
            return result.verdict == .pass ? bytes : 0
        case .drop(let why):
            for index in result.captures.indices {
                try? FileManager.default.removeItem(atPath: result.captures[index].path)
                result.captures[index].notKept = why
            }
            return 0
        }
    }
}
