import Foundation
import Yams

/// What a scenario across a NIC (`topology: {kind: nic}`) cannot ask for,
/// found when it is read: half of it runs on another host, which zclab
/// reaches only through ssh and does not reconfigure beyond device features.
extension ScenarioReader {
    /// The largest test file a peer may send: it is copied to the peer over ssh.
    static let nicFileLimit: UInt64 = 256 << 20

    func checkNicLimits(_ scenario: Scenario, _ top: [String: Node]) throws(ScenarioError) {
        guard scenario.topology.kind == .nic else { return }
        let topology = top["topology"]?.mapping
        switch scenario.workload {
        case .transfer: break
        case .program, .copy, .pipe:
            throw error(top["program"] ?? top["copy"] ?? top["pipe"], "a NIC topology runs zclab's sender and receiver only, not a program, a copy or a pipe")
        case .simulation: throw error(top["simulate"], "a simulated scenario runs on the model, not across a NIC")
        }
        if scenario.topology.mtu != nil {
            throw error(topology?["mtu"], "a NIC topology keeps the devices' MTU: zclab does not change a peer's or a named interface's MTU")
        }
        if scenario.receiver.method == .spliceToFile {
            throw error(top["receiver"], "splice-to-file writes its file in zclab's scratch folder on this host: not across a NIC")
        }
        if let node = top["loss"] {
            throw error(node, "loss is staged with nftables in a namespace zclab made: not across a NIC")
        }
        if let node = top["sysctls"] ?? top["namespace_sysctls"] {
            throw error(node, "a NIC topology changes no sysctls: half of it is another host's kernel")
        }
        if scenario.capture.payload == .marks {
            throw error(top["capture"], "capture payload 'marks' is not available across a NIC (whole packets only)")
        }
        if scenario.fileOnDisk || scenario.fileOwner != nil {
            throw error(top["file"], "a NIC scenario's test file is copied to the peer's /tmp: 'on' and 'owner' do not apply")
        }
        if scenario.topology.direction == .fromPeer, scenario.file.size > Self.nicFileLimit {
            throw error(top["file"], "the peer sends a copy of the test file, made over ssh: at most \(ByteCount.approximate(Self.nicFileLimit)) (or direction to-peer)")
        }
        if scenario.topology.direction == .fromPeer, scenario.actions.contains(where: { $0.triggers.contains(.senderBlocked) }) {
            throw error(top["actions"], "sender.blocked is proved from /proc on this host: with direction from-peer the sender is on the peer (use to-peer, or wire.bytes)")
        }
    }
}
