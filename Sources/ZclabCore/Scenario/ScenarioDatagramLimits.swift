import Yams

/// What a scenario whose sender sends over UDP (`sender.transport: udp`)
/// cannot ask for, found when it is read: a UDP receiver has no stream to
/// pause and a UDP sender no window to block on.
extension ScenarioReader {
    func checkDatagramLimits(_ scenario: Scenario, _ top: [String: Node]) throws(ScenarioError) {
        guard scenario.workload.sender?.transport == .udp else { return }
        if scenario.topology.kind == .nic {
            throw error(top["topology"], "transport udp runs between zclab's namespaces (veth or loopback), not across a NIC")
        }
        if let node = top["loss"] {
            throw error(node, "loss drops TCP data segments by sequence number: not with transport udp")
        }
        if scenario.receiver.method != .read {
            throw error(top["receiver"], "a UDP receiver reads datagrams: receiver method \(scenario.receiver.method.rawValue) takes a TCP stream")
        }
        if !scenario.receiver.check {
            throw error(top["receiver"], "a UDP receiver places every datagram by its bytes: check: false is for a TCP stream")
        }
        if scenario.receiver.pauseAfter != nil {
            throw error(top["receiver"], "a UDP receiver cannot pause: what it does not read, the kernel drops")
        }
        if scenario.capture.payload == .marks {
            throw error(top["capture"], "capture payload 'marks' samples a TCP stream: not with transport udp")
        }
        let stalls: [Action.Trigger] = [.receiverPaused, .senderBlocked]
        if let action = scenario.actions.first(where: { action in action.triggers.contains(where: stalls.contains) || action.kind == .resumeReceiver }) {
            throw error(top["actions"], "the action at line \(action.line) waits for a stalled transfer: a UDP sender never waits for its receiver")
        }
    }
}
