import Foundation

/// The wire half of a verdict: each captured side's stream rebuilt and
/// compared with what should have gone, the judged side's as `wire.*`.
extension ScenarioHarvest {
    func verifyWire(
        client: ClientReport?, dropped: UInt64, _ context: ScenarioContext,
        _ observations: inout Observations, into result: inout ScenarioResult
    ) throws {
        let scenario = context.scenario
        let checkpoint = context.checkSignals
        let truncatedTo = staging.truncatedStream(of: scenario), overwrite = staging.overwrite(in: scenario)
        // A program's response starts with its header, as the client received it.
        let header = Array((client?.header ?? "").utf8)
        let content = scenario.wireContent(header: header)
        // A program's client may ask twice: check its first connection.
        let flow: FlowSelector = client.flatMap { client in
            guard let server = IPAddress(topology.sender.address), let peer = IPAddress(topology.receiver.address) else { return nil }
            return .exact(FlowKey(source: server, sourcePort: scenario.port, destination: peer, destinationPort: client.localPort))
        } ?? .port(scenario.port)
        // Datagrams are placed by their own bytes; a TCP stream is reassembled.
        func verify(_ path: String) throws -> WireVerdict {
            switch scenario.workload.sender?.transport ?? .tcp {
            case .tcp:
                try WireVerifier.verify(capture: path, flow: flow, expected: content, checkpoint: checkpoint).body(after: UInt64(header.count))
            case .udp:
                try WireVerifier.verifyDatagrams(capture: path, port: scenario.port, expected: content, pieces: scenario.sentRanges, checkpoint: checkpoint)
            }
        }
        var frames: [String: FrameStatistics] = [:]
        let judged = captured.first { $0.side == .receiver } ?? captured.first
        let unpredictable = if case .program(_, let client) = scenario.workload { client.command != nil } else { false }
        if unpredictable, let judged {
            // An external client's bytes are its own: count them, do not compare them.
            let busiest = try WireVerifier.flows(inCapture: judged.statistics.path)
                .first { $0.flow.sourcePort == scenario.port || $0.flow.destinationPort == scenario.port }
            observations[WireObservation.payloadBytes] = .number(Int64(busiest?.payloadBytes ?? 0))
            observations[WireObservation.packets] = .number(Int64(busiest?.packets ?? 0))
        }
        for capture in captured where capture.side != judged?.side && capture.statistics.samplePath == nil && !unpredictable {
            try checkpoint()
            context.runner.report("\(scenario.name): verifying \(capture.statistics.path)")
            let wire = try verify(capture.statistics.path)
            frames[capture.side.rawValue] = wire.frames
            observations.addFrames(side: capture.side.rawValue, wire, dropped: dropped)
        }
        if let judged, !unpredictable {
            let side = judged.side.rawValue, path = judged.statistics.path
            try checkpoint()
            context.runner.report("\(scenario.name): verifying \(path)")
            if let samples = judged.statistics.samplePath {
                // Headers of every packet tell whether the whole sequence space went by;
                // the sampled packets are checked byte for byte.
                let headers = try WireVerifier.verify(
                    capture: path, flow: .port(scenario.port), expected: content, sampled: true, checkpoint: checkpoint)
                let wire = try WireVerifier.verify(capture: samples, flow: .port(scenario.port), expected: content, sampled: true, checkpoint: checkpoint)
                result.wire = wire
                observations.addWire(wire, dropped: dropped, truncatedTo: truncatedTo, overwrite: overwrite)
                observations.addCoverage(headers)
                observations.addFrames(side: side, headers, dropped: dropped, sampled: true)
                frames[side] = headers.frames
                let windows = scenario.file.dataExtents ?? []
                let unverified = windows.filter { window in wire.gaps.contains { $0.lower < window.upper && window.lower < $0.upper } }
                observations[WireObservation.marksVerified] = .flag(wire.status == .pass && unverified.isEmpty)
            } else {
                let wire = try verify(path)
                result.wire = wire
                observations.addWire(wire, dropped: dropped, truncatedTo: truncatedTo, overwrite: overwrite)
                observations.addCoverage(wire)
                observations.addFrames(side: side, wire, dropped: dropped)
                frames[side] = wire.frames
            }
        }
        result.frames = frames.isEmpty ? nil : frames
    }
}
