import Foundation
import Testing
@testable import ZclabCore

/// Scenarios across a NIC: what they may ask for, where their processes run,
/// and how a peer is named.
@Suite("NIC topology")
struct NicTopologyTests {
    static let header = "name: t\nfile: {size: 1MiB}\n"

    @Test func aNicScenarioParsesWithItsDirection() throws {
        let scenario = try ScenarioParser.parse(
            Self.header + "topology: {kind: nic, direction: to-peer, sender_features: {tso: off}}\nsender: {method: msg-zerocopy}\nexpect: {wire.matches: true}\n",
            path: "nic.yaml")
        #expect(scenario.topology.kind == .nic)
        #expect(scenario.topology.direction == .toPeer)
        #expect(scenario.topology.senderFeatures == ["tso": false])
        let fromPeer = try ScenarioParser.parse(
            Self.header + "topology: {kind: nic}\nsender: {method: sendfile}\nexpect: {wire.matches: true}\n", path: "nic.yaml")
        #expect(fromPeer.topology.direction == .fromPeer, "the peer sends unless the scenario says otherwise")
    }

    /// What half of a scenario on another host cannot do is refused where it is written.
    @Test(arguments: [
        ("topology: {kind: nic, mtu: 9000}\nsender: {method: sendfile}", 3, "keeps the devices' MTU"),
        ("topology: {kind: nic}\nsender: {method: sendfile}\nsysctls: {net/core/wmem_max: 4194304}", 5, "changes no sysctls"),
        ("topology: {kind: veth, direction: to-peer}\nsender: {method: sendfile}", 3, "direction is for kind nic"),
        ("topology: {kind: nic, direction: sideways}\nsender: {method: sendfile}", 3, "direction 'sideways' is not one of: from-peer, to-peer"),
        ("topology: {kind: nic}\nsender: {method: sendfile}\nreceiver: {pause_after: 4KiB}\nactions:\n  - when: [receiver.paused, sender.blocked]\n    do: resume-receiver",
         7, "sender.blocked is proved from /proc on this host"),
        ("topology: {kind: nic}\nprogram: {command: [true], port: 8080}\nclient: {request: GET}", 4, "not a program, a copy or a pipe"),
        ("topology: {kind: nic}\npipe: {steps: [drain]}", 4, "not a program, a copy or a pipe"),
    ])
    func whatANicScenarioCannotAskFor(body: String, line: Int, message: String) {
        expectParseError(Self.header + body + "\nexpect: {wire.matches: true}\n", line: line, message: message)
    }

    /// The peer sends a copy of the file, made over ssh; this host sends its own.
    @Test func aPeersTestFileIsSmallEnoughToCopy() throws {
        expectParseError(
            "name: t\nfile: {size: 1GiB}\ntopology: {kind: nic}\nsender: {method: sendfile}\nexpect: {wire.matches: true}\n",
            line: 2, message: "the peer sends a copy of the test file, made over ssh")
        let toPeer = try ScenarioParser.parse(
            "name: t\nfile: {size: 1GiB}\ntopology: {kind: nic, direction: to-peer}\nsender: {method: sendfile}\nexpect: {wire.matches: true}\n",
            path: "nic.yaml")
        #expect(toPeer.file.size == 1 << 30)
    }

    @Test(arguments: [
        ("ssh://root@lab1", "root@lab1", nil),
        ("ssh://lab1:2222", "lab1", 2222),
        ("ssh://tester@[2001:db8::5]:22", "tester@2001:db8::5", 22),
        ("lab1.example", "lab1.example", nil),
        ("ssh://2001:db8::5", "2001:db8::5", nil),
    ] as [(String, String, Int?)])
    func peersAreNamedAsSSHURLs(text: String, destination: String, port: Int?) throws {
        let parsed = try #require(RemotePeer.Spec.parseDestination(text))
        #expect(parsed.destination == destination)
        #expect(parsed.port == port)
    }

    @Test(arguments: ["", "ssh://", "ssh://lab1:0", "ssh://lab1:99999", "ssh://lab1:port", "ssh://lab1/path", "ssh://[2001:db8::5", "ssh://a b"])
    func badPeersAreRefused(text: String) {
        #expect(RemotePeer.Spec.parseDestination(text) == nil)
    }

    /// A peer's command is one exec'd remote command, its words quoted, from the namespace of the link.
    @Test func aPeersCommandRunsThroughSSH() {
        let route = SSHRoute(
            destination: "root@192.0.2.1", port: 2222, options: ["IdentityFile=/k"], namespace: "zcl-abc123-nic",
            zclab: "/tmp/zcl-abc123/zclab", folder: "/tmp/zcl-abc123")
        let command = Place.peer(route).zclab(["agent", "features", "it's"], executable: "/usr/bin/zclab")
        #expect(Array(command.prefix(5)) == ["ip", "netns", "exec", "zcl-abc123-nic", "ssh"])
        #expect(command.contains("IdentityFile=/k") && command.contains("BatchMode=yes"))
        #expect(Array(command.suffix(4)) == ["2222", "root@192.0.2.1", "--", #"exec '/tmp/zcl-abc123/zclab' 'agent' 'features' 'it'\''s'"#])
        #expect(Place.namespace("zcl-x").zclab(["agent", "sender"], executable: "/z") == ["ip", "netns", "exec", "zcl-x", "/z", "agent", "sender"])
        #expect(Place.current.zclab(["agent", "sender"], executable: "/z") == ["/z", "agent", "sender"])
    }

    /// The guest's script addresses its virtio_net interface and starts the
    /// ssh server this machine's dropbear-bin provides, in the foreground.
    @Test func theGuestsScript() {
        let script = GuestPeer.guestScript(folder: "/runs/r1/peer", authorizedKey: "ssh-ed25519 AAAA zclab")
        #expect(script.contains("ip address add 192.0.2.1/24"))
        #expect(script.contains("ip address add 2001:db8::1/64"))
        #expect(script.contains("'ssh-ed25519 AAAA zclab' > /root/.ssh/authorized_keys"))
        #expect(script.contains("exec /usr/sbin/dropbear -F"))
        #expect(script.contains("> /runs/r1/peer/host_key.pub"))
    }
}
