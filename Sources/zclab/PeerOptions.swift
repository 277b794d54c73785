import ArgumentParser
import Foundation
import ZclabCore

/// Where `kind: nic` scenarios find their second host: a virtio-net guest
/// zclab boots (the default), or a lab host over ssh (two-host mode), named
/// with options or with the kselftest drivers/net variables.
struct PeerOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("""
        The kernel of the guest that is the second host of `kind: nic` scenarios (virtio-net to a tap in a zcl \
        namespace), in --kernel's forms. Default: this machine's Debian kernel package (linux-image-amd64's).
        """, valueName: "SPEC"))
    var guestKernel: String?

    @Option(name: .long, help: ArgumentHelp("""
        Two-host mode: run the peer's side of `kind: nic` scenarios on this host, over ssh \
        (ssh://[USER@]HOST[:PORT]; your ssh configuration and keys apply). zclab copies itself to /tmp/zcl-TAG \
        there (use the static build of scripts/install) and removes it after. Needs --interface.
        """, valueName: "URL"))
    var peer: String?

    @Option(name: .long, help: ArgumentHelp("Two-host mode: this host's interface towards the peer, the only local one zclab changes.", valueName: "IF"))
    var interface: String?

    @Option(name: .long, help: ArgumentHelp("Two-host mode: the peer's interface (default: the one holding --peer-address).", valueName: "IF"))
    var peerInterface: String?

    @Option(name: .long, help: ArgumentHelp("Two-host mode: this host's address on --interface; repeat for IPv6.", valueName: "ADDR"))
    var localAddress: [String] = []

    @Option(name: .long, help: ArgumentHelp("Two-host mode: the peer's address on the link; repeat for IPv6.", valueName: "ADDR"))
    var peerAddress: [String] = []

    @Option(name: .long, help: ArgumentHelp("Two-host mode: an ssh -o option for every connection to the peer (repeatable).", valueName: "NAME=VALUE"))
    var sshOption: [String] = []

    /// Whether any option of this group was given.
    var given: Bool {
        guestKernel != nil || peer != nil || interface != nil || peerInterface != nil || !localAddress.isEmpty || !peerAddress.isEmpty
            || !sshOption.isEmpty
    }

    /// The choice the options (or, without --peer, the kselftest variables
    /// NETIF, REMOTE_TYPE=ssh, REMOTE_ARGS, LOCAL_V4, REMOTE_V4, LOCAL_V6,
    /// REMOTE_V6, read only when `nic` scenarios are to run) make; a usage
    /// error when they are incomplete.
    func choice(nic: Bool, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> PeerChoice {
        let kselftest = nic && peer == nil && environment["REMOTE_TYPE"] != nil
        guard peer != nil || kselftest else {
            guard interface == nil, peerInterface == nil, localAddress.isEmpty, peerAddress.isEmpty, sshOption.isEmpty else {
                throw usageFailure("--interface, --peer-interface, --local-address, --peer-address and --ssh-option are for two-host mode: add --peer ssh://HOST")
            }
            do { return .guest(try guestKernel.map { try KernelSpec.parse($0) }) } catch { throw usageFailure("--guest-kernel: \(error)") }
        }
        guard guestKernel == nil else { throw usageFailure("--guest-kernel is for the guest peer, not with a remote peer") }
        if kselftest, environment["REMOTE_TYPE"] != "ssh" {
            throw usageFailure("REMOTE_TYPE=\(environment["REMOTE_TYPE"] ?? ""): zclab reaches a peer with ssh only (REMOTE_TYPE=ssh, REMOTE_ARGS=[USER@]HOST)")
        }
        let url = kselftest ? environment["REMOTE_ARGS"] ?? "" : peer ?? ""
        guard let (destination, port) = RemotePeer.Spec.parseDestination(url) else {
            throw usageFailure("\(kselftest ? "REMOTE_ARGS" : "--peer") \(url): not ssh://[USER@]HOST[:PORT]")
        }
        guard let netif = interface ?? (kselftest ? environment["NETIF"] : nil), !netif.isEmpty else {
            throw usageFailure("two-host mode changes only the interface you name: give --interface IF (or NETIF)")
        }
        var local = localAddress, remote = peerAddress
        if kselftest {
            local += ["LOCAL_V4", "LOCAL_V6"].compactMap { environment[$0] }
            remote += ["REMOTE_V4", "REMOTE_V6"].compactMap { environment[$0] }
        }
        let pairs = try addressPairs(local: local, peer: remote)
        guard let ipv4 = pairs.ipv4 else {
            throw usageFailure("two-host mode needs an IPv4 address on each side: --local-address and --peer-address (or LOCAL_V4 and REMOTE_V4)")
        }
        for option in sshOption where !option.contains("=") { throw usageFailure("--ssh-option \(option): not NAME=VALUE") }
        return .remote(RemotePeer.Spec(
            destination: destination, port: port, sshOptions: sshOption, interface: netif, peerInterface: peerInterface,
            ipv4: ipv4, ipv6: pairs.ipv6))
    }

    /// The addresses, one IPv4 and at most one IPv6 on each side, paired by family.
    private func addressPairs(local: [String], peer: [String]) throws -> (ipv4: PeerLink.Addresses?, ipv6: PeerLink.Addresses?) {
        func family(_ addresses: [String], _ what: String) throws -> (v4: String?, v6: String?) {
            var found: (v4: String?, v6: String?) = (nil, nil)
            for address in addresses {
                guard let parsed = IPAddress(address) else { throw usageFailure("\(what) \(address): not an IP address") }
                if case .v6 = parsed {
                    guard found.v6 == nil else { throw usageFailure("\(what): one IPv6 address at most") }
                    found.v6 = address
                } else {
                    guard found.v4 == nil else { throw usageFailure("\(what): one IPv4 address at most") }
                    found.v4 = address
                }
            }
            return found
        }
        let mine = try family(local, "--local-address"), theirs = try family(peer, "--peer-address")
        guard (mine.v4 == nil) == (theirs.v4 == nil), (mine.v6 == nil) == (theirs.v6 == nil) else {
            throw usageFailure("--local-address and --peer-address must come in pairs of the same family")
        }
        return (
            zip2(mine.v4, theirs.v4).map { PeerLink.Addresses(local: $0, peer: $1) },
            zip2(mine.v6, theirs.v6).map { PeerLink.Addresses(local: $0, peer: $1) })
    }
}

/// Both values, when both are there.
private func zip2<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}

extension Run {
    /// Two-host mode says, before anything runs, what it will change on
    /// the named interfaces (and that it restores it after each scenario).
    func announceChanges(_ scenarios: [Scenario], _ peer: RemotePeer.Spec) {
        let peerSide = "\(peer.destination):\(peer.peerInterface ?? "the interface holding \(peer.ipv4.peer)")"
        var changes: [String] = []
        for scenario in scenarios where scenario.topology.kind == .nic {
            let fromPeer = scenario.topology.direction == .fromPeer
            for (features, onPeer) in [(scenario.topology.senderFeatures, fromPeer), (scenario.topology.receiverFeatures, !fromPeer)]
            where !features.isEmpty {
                let list = features.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value ? "on" : "off")" }.joined(separator: ", ")
                changes.append("  \(scenario.name): \(onPeer ? peerSide : peer.interface): \(list)")
            }
        }
        let nic = scenarios.filter { $0.topology.kind == .nic }.count
        guard nic > 0 else { return printError("zclab: two-host mode, but no scenario selected is kind nic: nothing runs on the peer") }
        printError("""
            zclab: two-host mode: \(nic) NIC scenario(s) between \(peer.interface) (\(peer.ipv4.local)) and \(peer.destination) (\(peer.ipv4.peer)); \
            zclab changes only these device features, each put back after its scenario\(changes.isEmpty ? ": none" : ":")
            """ + changes.map { "\n" + $0 }.joined())
    }
}
