import Foundation

/// The network a scenario runs in.
public struct TopologySpec: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// Two namespaces, sender and receiver, joined by a veth pair.
        case veth
        /// One namespace; sender and receiver talk over its `lo`.
        case loopback
        /// A real NIC driver between two hosts: the run's second host
        /// (`PeerLink`), a guest on virtio-net or the lab host `--peer` names.
        case nic
    }

    /// Across a NIC, which host sends.
    public enum Direction: String, Codable, Sendable, CaseIterable {
        /// The peer (the guest) sends; this host receives and captures.
        case fromPeer = "from-peer"
        /// This host sends to the peer.
        case toPeer = "to-peer"
    }
    public var kind: Kind
    /// For `nic`: which host sends.
    public var direction: Direction = .fromPeer
    /// MTU of the veth pair or of `lo`; nil leaves the kernel's default.
    public var mtu: Int?
    public var ipv6: Bool
    /// Device features to set on the sender's and the receiver's interface
    /// (short names as `ethtool -K` takes them, or kernel names), restored
    /// after the scenario. On loopback both are `lo`.
    public var senderFeatures: [String: Bool] = [:]
    public var receiverFeatures: [String: Bool] = [:]

    public init(kind: Kind, mtu: Int? = nil, ipv6: Bool = false) {
        self.kind = kind
        self.mtu = mtu
        self.ipv6 = ipv6
    }

    enum CodingKeys: String, CodingKey {
        case kind, mtu, ipv6, direction
        case senderFeatures = "sender_features", receiverFeatures = "receiver_features"
    }
}

/// One end of a topology: an interface, where it is, and its address.
public struct Endpoint: Sendable, Equatable {
    public let place: Place
    public let interface: String
    public let address: String
    /// Across a NIC, the interface's driver (virtio_net, tun, a physical NIC's), for the offload matrix.
    public var driver: String? = nil
}

/// A created topology: namespaces, interfaces and addresses. `create` records
/// everything in the run's ledger before making it, so teardown (and
/// `zclab clean`) finds it whatever happens.
public struct Topology: Sendable {
    public let spec: TopologySpec
    public let sender: Endpoint
    public let receiver: Endpoint
    /// The namespaces this scenario made: where its per-namespace sysctls
    /// go, and what `destroy` removes. A NIC topology's belong to the run's `PeerLink`.
    let namespaces: [String]

    /// Addresses from the documentation ranges (RFC 5737, RFC 3849).
    static let ipv4 = (sender: "192.0.2.1", receiver: "192.0.2.2", prefix: 24)
    static let ipv6 = (sender: "2001:db8::1", receiver: "2001:db8::2", prefix: 64)

    /// Builds the topology for scenario number `index` of the run; a NIC
    /// topology takes the ends of the run's `link`.
    public static func create(_ spec: TopologySpec, ledger: ResourceLedger, index: Int, link: () throws -> PeerLink) throws -> Topology {
        let base = "zcl-\(RunNames.tag(of: ledger.runID))-\(index)"
        switch spec.kind {
        case .nic:
            let link = try link()
            let local = try link.local(ipv6: spec.ipv6), peer = try link.peer(ipv6: spec.ipv6)
            let (sender, receiver) = spec.direction == .fromPeer ? (peer, local) : (local, peer)
            return Topology(spec: spec, sender: sender, receiver: receiver, namespaces: [])
        case .loopback:
            let namespace = base + "-lo"
            ledger.add(.namespace(namespace))
            try runCommand(["ip", "netns", "add", namespace])
            try ip(namespace, ["link", "set", "lo", "up"])
            if let mtu = spec.mtu { try ip(namespace, ["link", "set", "lo", "mtu", "\(mtu)"]) }
            let end = Endpoint(place: .namespace(namespace), interface: "lo", address: spec.ipv6 ? "::1" : "127.0.0.1")
            return Topology(spec: spec, sender: end, receiver: end, namespaces: [namespace])
        case .veth:
            let sender = base + "-snd", receiver = base + "-rcv"
            let linkBase = "zcl\(RunNames.tag(of: ledger.runID))\(index)"
            let senderLink = linkBase + "s", receiverLink = linkBase + "r"
            let addresses = spec.ipv6 ? ipv6 : ipv4
            ledger.add(.namespace(sender))
            try runCommand(["ip", "netns", "add", sender])
            ledger.add(.namespace(receiver))
            try runCommand(["ip", "netns", "add", receiver])
            // Created directly inside the namespaces: never an interface in the root namespace.
            do {
                try runCommand([
                    "ip", "link", "add", senderLink, "netns", sender, "type", "veth",
                    "peer", "name", receiverLink, "netns", receiver,
                ])
            } catch let error as CommandError where error.output.contains("Unknown device type") {
                throw SkipScenario(reason: "this kernel has no veth devices (CONFIG_VETH, or its module veth, is missing): \(error)")
            }
            for (namespace, link, address) in [
                (sender, senderLink, addresses.sender), (receiver, receiverLink, addresses.receiver),
            ] {
                try ip(namespace, ["link", "set", "lo", "up"])
                if let mtu = spec.mtu { try ip(namespace, ["link", "set", link, "mtu", "\(mtu)"]) }
                try ip(namespace, ["address", "add", "\(address)/\(addresses.prefix)", "dev", link] + (spec.ipv6 ? ["nodad"] : []))
                try ip(namespace, ["link", "set", link, "up"])
            }
            return Topology(
                spec: spec,
                sender: Endpoint(place: .namespace(sender), interface: senderLink, address: addresses.sender),
                receiver: Endpoint(place: .namespace(receiver), interface: receiverLink, address: addresses.receiver),
                namespaces: [sender, receiver])
        }
    }

    /// Runs `ip ARGS` inside `namespace`.
    static func ip(_ namespace: String, _ arguments: [String]) throws {
        try runCommand(["ip", "-n", namespace] + arguments)
    }

    /// Deletes the namespaces, which takes their interfaces with them, and
    /// strikes them from the ledger. Returns what could not be removed.
    public func destroy(ledger: ResourceLedger) -> [String] {
        ledger.undo(namespaces.map { .namespace($0) })
    }

    /// The end on `side`.
    func end(_ side: CaptureSpec.Side) -> Endpoint { side == .sender ? sender : receiver }
}
