/// How a scenario's expectations count when the kernel did something else.
/// They were recorded on one kernel (the reference, `ScenarioSet.referenceKernel`):
/// on that kernel a difference is a regression; on another it is a finding.
public enum BehaviourPolicy: String, Sendable, CaseIterable, Codable {
    /// Every expectation must hold: a difference fails the scenario (the
    /// default, for the kernel the expectations were recorded on).
    case strict
    /// Only invariants and the scenario's `strict:` keys fail it; any other
    /// expectation not met is a difference, listed with both values
    /// (verdict `differs`, exit status 0): for comparing kernels.
    case report
}

extension ScenarioResult {
    /// Adds the invariants zclab checks for `scenario`, applies `policy` to
    /// the expectations, and sets the verdict: fail when an invariant or a
    /// strict expectation failed, differs when only behaviour did, else pass.
    mutating func settle(_ scenario: Scenario, policy: BehaviourPolicy) {
        if policy == .report {
            for index in assertions.indices where assertions[index].kind == .strict && !scenario.strictKeys.contains(assertions[index].what) {
                assertions[index].kind = .behaviour
            }
        }
        assertions += Invariant.check(observations, for: scenario)
        let failed = assertions.filter { !$0.ok }
        verdict = failed.isEmpty ? .pass : failed.contains { $0.kind != .behaviour } ? .fail : .differs
        reason = failed.map(\.failureLine).joined(separator: "; ")
    }
}
