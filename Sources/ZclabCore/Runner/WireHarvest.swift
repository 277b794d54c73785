import Foundation

/// The wire half of a verdict: each captured side's stream rebuilt and
/// compared with what should have gone, the judged side's as `wire.*`.
extension ScenarioExecution {
    func verifyWire(
        _ statistics: [(CaptureSpec.Side, CaptureStatistics)], topology: Topology, client: ClientReport?, dropped: UInt64,
        _ observations: inout Observations, into result: inout ScenarioResult
    ) throws {
        // A program's response starts with its header, as the client received it.
        let header = Array((client?.header ?? "").utf8)
        let content = scenario.wireContent(header: header)
        // A program's client may ask twice: check its first connection.
        let flow: FlowSelector = client.flatMap { client in
            guard let server = IPAddress(topology.senderAddress), let peer = IPAddress(topology.receiverAddress) else { return nil }
            return .exact(FlowKey(source: server, sourcePort: scenario.port, destination: peer, destinationPort: client.localPort))
        } ?? .port(scenario.port)
        var frames: [String: FrameStatistics] = [:]
        let judgedSide = statistics.first(where: { $0.0 == .receiver })?.0 ?? statistics.first?.0
        let unpredictable = if case .program(_, let client) = scenario.workload { client.command != nil } else { false }
        if unpredictable, let judged = statistics.first(where: { $0.0 == judgedSide }) {
            // An external client's bytes are its own: count them, do not compare them.
            let busiest = try WireVerifier.flows(inCapture: judged.1.path)
                .first { $0.flow.sourcePort == scenario.port || $0.flow.destinationPort == scenario.port }
            observations[WireObservation.payloadBytes] = .number(Int64(busiest?.payloadBytes ?? 0))
            observations[WireObservation.packets] = .number(Int64(busiest?.packets ?? 0))
        }
        for (side, stats) in statistics where side != judgedSide && stats.samplePath == nil && !unpredictable {
            try checkSignals()
            runner.report("\(scenario.name): verifying \(stats.path)")
            let wire = try WireVerifier.verify(capture: stats.path, flow: flow, expected: content, checkpoint: checkSignals)
                .body(after: UInt64(header.count))
            frames[side.rawValue] = wire.frames
            observations.addFrames(side: side.rawValue, wire, dropped: dropped)
        }
        if let judged = statistics.first(where: { $0.0 == judgedSide }), !unpredictable {
            try checkSignals()
            runner.report("\(scenario.name): verifying \(judged.1.path)")
            if let samples = judged.1.samplePath {
                // Headers of every packet tell whether the whole sequence space went by;
                // the sampled packets are checked byte for byte.
                let headers = try WireVerifier.verify(
                    capture: judged.1.path, flow: .port(scenario.port), expected: content, sampled: true, checkpoint: checkSignals)
                let wire = try WireVerifier.verify(capture: samples, flow: .port(scenario.port), expected: content, sampled: true, checkpoint: checkSignals)
                result.wire = wire
                observations.addWire(wire, dropped: dropped, truncatedTo: truncatedStream, overwrite: overwrite)
                observations.addCoverage(headers)
                observations.addFrames(side: judged.0.rawValue, headers, dropped: dropped, sampled: true)
                frames[judged.0.rawValue] = headers.frames
                let windows = scenario.file.dataExtents ?? []
                let unverified = windows.filter { window in wire.gaps.contains { $0.lower < window.upper && window.lower < $0.upper } }
                observations[WireObservation.marksVerified] = .flag(wire.status == .pass && unverified.isEmpty)
            } else {
                let wire = try WireVerifier.verify(capture: judged.1.path, flow: flow, expected: content, checkpoint: checkSignals)
                    .body(after: UInt64(header.count))
                result.wire = wire
                observations.addWire(wire, dropped: dropped, truncatedTo: truncatedStream, overwrite: overwrite)
                observations.addCoverage(wire)
                observations.addFrames(side: judged.0.rawValue, wire, dropped: dropped)
                frames[judged.0.rawValue] = wire.frames
            }
        }
        result.frames = frames.isEmpty ? nil : frames
    }
}
