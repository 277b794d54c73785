/// A MSG_ZEROCOPY scenario as the reference model sees it: the events its
/// sends and reads make, what the model then predicts, and the verdict of a
/// scenario run on the model alone (`zclab run --backend model`, and the
/// scenarios marked `simulate:` that no kernel run can reach).
///
/// The model is told that every buffer completes as soon as it is sent (what
/// veth and loopback do when the receiver keeps up), and copied. Timing
/// decides how the kernel splits ids into ranges, so a split that differs is
/// shown, not judged.
public enum ZerocopyScenarioModel {
    /// Why the model does not cover `scenario`, or nil when it does.
    public static func limitation(of scenario: Scenario) -> String? { limitation(of: scenario.workload) }

    /// Why the model does not cover `workload`, or nil when it does: it knows
    /// zclab's MSG_ZEROCOPY sender only, not a program nor a copy.
    public static func limitation(of workload: Workload) -> String? {
        guard let sender = workload.sender, sender.method.isModeled else {
            let kind = switch workload {
            case .transfer(let sender), .simulation(_, let sender): sender.method.rawValue
            case .program: "a program"
            case .copy: "a file copy"
            case .pipe: "a pipe workload"
            }
            return "the model covers MSG_ZEROCOPY scenarios only (this one is \(kind))"
        }
        if sender.zerocopy?.steps?.contains(where: { if case .sendUntilError = $0 { true } else { false } }) == true {
            return "when room runs out depends on memory the model does not account (optmem, RLIMIT_MEMLOCK, the send buffer)"
        }
        switch sender.zerocopy?.socket {
        case .unix, .raw, .packet: return "the model knows TCP and UDP sockets only"
        case .udpPeerClosed: return "the model does not know ICMP errors: a datagram refused on arrival fails the next send"
        case .tcp, .udp, .udpSelf, .udpPeer, nil: break
        }
        return nil
    }

    /// The MSG_ZEROCOPY options of `scenario`'s sender, if it has a sender and they are set.
    private static func zerocopyOptions(_ scenario: Scenario) -> ZerocopyOptions? { scenario.workload.sender?.zerocopy }

    /// The model-only settings of a simulated scenario.
    private static func simulation(_ scenario: Scenario) -> Simulation? {
        if case .simulation(let simulation, _) = scenario.workload { simulation } else { nil }
    }

    /// The model's socket for `scenario`.
    public static func socket(for scenario: Scenario) -> ZerocopyModel.Socket {
        let options = zerocopyOptions(scenario) ?? ZerocopyOptions()
        return ZerocopyModel.Socket(
            zerocopyEnabled: options.enable, transport: options.socket == .tcp ? .tcp : .udp,
            firstID: simulation(scenario)?.firstID ?? 0)
    }

    /// The events of `scenario`'s sender, from the scenario alone, or with
    /// `results` (what each script step gave on the kernel) for the sends'
    /// real sizes and outcomes.
    public static func events(for scenario: Scenario, results: [ZerocopyStepResult]? = nil) -> [ZerocopyModel.Event] {
        guard zerocopyOptions(scenario)?.steps != nil else {
            let options = zerocopyOptions(scenario) ?? ZerocopyOptions()
            return ZerocopyModel.schedule(
                sends: plainSends(scenario), bytesPerSend: Int(chunk(scenario)), readEvery: Int(options.readEvery),
                copied: copied, completion: .immediate)
        }
        return scriptEvents(for: scenario, results: results).flatMap(\.events)
    }

    /// What the model predicts for `scenario` as a sender's report: sends,
    /// completions read, and each script step's outcome.
    public static func predictedReport(for scenario: Scenario) -> ZerocopyReport {
        var model = ZerocopyModel(socket: socket(for: scenario))
        guard zerocopyOptions(scenario)?.steps != nil else {
            for event in events(for: scenario) { model.apply(event) }
            return report(UInt32(plainSends(scenario)), model, steps: nil)
        }
        var sends: UInt32 = 0
        var steps: [ZerocopyStepResult] = []
        for (step, events, sent) in scriptEvents(for: scenario, results: nil) {
            let before = model.read.count
            for event in events { model.apply(event) }
            var result = ZerocopyStepResult(step: step)
            switch step {
            case .send:
                if let sent {
                    result.returned = Int64(sent)
                    if sent > 0 { sends += 1 }
                } else {
                    result.errno = "EPIPE"  // the only failure a script can make without running out of room: after shutdown
                }
            case .read, .complete:
                result.ranges = rangeText(model.read[before...])
                result.returned = Int64(model.read.count - before)
            case .sendUntilError, .shutdown, .poll, .wait, .mark, .modify:
                result.returned = 0
            }
            steps.append(result)
        }
        return report(sends, model, steps: steps)
    }

    /// Each script step with its model events and the bytes a send step
    /// sends (nil when it fails).
    static func scriptEvents(
        for scenario: Scenario, results: [ZerocopyStepResult]?
    ) -> [(step: ZerocopyStep, events: [ZerocopyModel.Event], sent: UInt64?)] {
        var shut = false
        var position: UInt64 = 0
        return (zerocopyOptions(scenario)?.steps ?? []).enumerated().map { index, step in
            let result = results.flatMap { index < $0.count ? $0[index] : nil }
            switch step {
            case .send(let bytes):
                let failed = result.map { $0.errno != nil } ?? shut
                guard !failed else { return (step, [.send(bytes: Int(bytes), outcome: .failed)], nil) }
                let sent = result?.returned.map(UInt64.init) ?? min(bytes, scenario.file.size - position)
                position += sent
                return (step, [.send(bytes: Int(sent)), .complete(.all, copied: copied)], sent)
            case .sendUntilError(let bytes):
                let sends = (0 ..< (result?.sends ?? 0)).flatMap { _ in
                    [ZerocopyModel.Event.send(bytes: Int(bytes)), .complete(.all, copied: copied)]
                }
                return (step, sends + [.send(bytes: Int(bytes), outcome: .failed)], nil)
            case .read(let all): return (step, [.read(all ? .drain : .one)], nil)
            case .complete: return (step, [.read(.drain)], nil)
            case .shutdown:
                shut = true
                return (step, [], nil)
            case .poll, .wait, .mark, .modify: return (step, [], nil)
            }
        }
    }

    /// TCP and UDP sockets, the ones the model knows, accept SO_ZEROCOPY.
    private static func report(_ sends: UInt32, _ model: ZerocopyModel, steps: [ZerocopyStepResult]?) -> ZerocopyReport {
        ZerocopyReport(
            sends: sends,
            notifications: model.read.map { ZerocopyNotification(lo: $0.lo, hi: $0.hi, code: $0.code, error: 0) },
            steps: steps, optmemMax: nil, memlock: nil, enableError: steps != nil && model.socket.zerocopyEnabled ? "none" : nil)
    }

    /// Bytes a send of a whole-file transfer asks for.
    private static func chunk(_ scenario: Scenario) -> UInt64 { scenario.workload.sender?.chunk ?? 64 << 10 }

    /// Sends of a whole-file transfer (or of a simulation).
    private static func plainSends(_ scenario: Scenario) -> Int {
        simulation(scenario)?.sends ?? Int((scenario.file.size + chunk(scenario) - 1) / chunk(scenario))
    }

    /// Whether the kernel copies: always on veth and loopback, which deliver
    /// into a local socket (the kernel's msg_zerocopy documentation). With
    /// scatter-gather off Linux 6.18 mostly says otherwise: a finding the
    /// offload scenarios show as `model.codes_agree: false`.
    private static let copied = true

    static func rangeText<C: Collection>(_ completions: C) -> String where C.Element == ZerocopyCompletion {
        completions.map { "\($0.lo)-\($0.hi)\($0.code == .copied ? "c" : "")" }.joined(separator: " ")
    }
}

extension ZerocopyScenarioModel {
    /// Runs `scenario` on the model alone: its `zerocopy.*` expectations are
    /// judged against the prediction; the others are listed as not covered.
    public static func judge(_ scenario: Scenario, into result: inout ScenarioResult) {
        result.backend = "model"
        if let reason = limitation(of: scenario) {
            result.verdict = .skip
            result.reason = "not covered by the model: \(reason)"
            return
        }
        var observations = Observations()
        observations.addZerocopy(predictedReport(for: scenario))
        let covered = scenario.expectations.filter(predicts)
        let uncovered = scenario.expectations.filter { !covered.contains($0) }.map(\.key)
        result.observations = observations.values
        result.assertions = observations.judge(covered, dropped: 0)
        guard !covered.isEmpty else {
            result.verdict = .skip
            result.reason = "no expectation the model can judge (it predicts zerocopy.* only)"
            return
        }
        // The model is not a kernel: what it predicts must hold (strict).
        result.settle(scenario, policy: .strict)
        let note = uncovered.isEmpty ? "simulated" : "simulated; not covered by the model: \(uncovered.joined(separator: ", "))"
        result.reason = result.reason.isEmpty ? note : result.reason + "; " + note
    }

    /// Whether the model predicts the value `expectation` is about: ids,
    /// completions and what sends and reads return; not the machine's limits
    /// nor readiness.
    static func predicts(_ expectation: Expectation) -> Bool {
        let parts = expectation.key.split(separator: ".")
        guard parts.first == "zerocopy" else { return false }
        if ["optmem_max", "memlock"].contains(parts.last) { return false }
        return parts.count != 4 || ["return", "errno", "ranges"].contains(parts[3])
    }

    /// The kernel's completions for `scenario` next to the model's prediction
    /// for the same sends (their real sizes and outcomes), or nil when the
    /// model does not cover the scenario.
    public static func compare(_ scenario: Scenario, kernel: ZerocopyReport) -> (ZerocopyComparison, ModelComparisonRecord)? {
        // With the kernel's results, a script that ran out of room is covered too: they say how many sends went.
        guard limitation(of: scenario) == nil || zerocopyOptions(scenario)?.steps != nil else { return nil }
        let predicted = ZerocopyModel.run(events(for: scenario, results: kernel.steps), on: socket(for: scenario)).read
        let comparison = kernel.compared(with: predicted)
        return (comparison, ModelComparisonRecord(
            predicted: rangeText(predicted), observed: rangeText(kernel.completions),
            agrees: comparison.agrees, differences: comparison.agrees ? "none" : comparison.description))
    }
}
