import Foundation

/// The run's second host for `kind: nic` scenarios: a guest zclab boots with
/// a virtio-net device (`GuestPeer`), or a lab host reached with ssh
/// (`RemotePeer`). Set up once, on the first NIC scenario, and taken down
/// with the rest of the run (its ledger entries).
public struct PeerLink: Sendable {
    /// A pair of addresses, this host's and the peer's.
    public struct Addresses: Sendable, Equatable {
        public var local: String
        public var peer: String

        public init(local: String, peer: String) {
            self.local = local
            self.peer = peer
        }
    }

    /// Where this host's agents run: the namespace of the guest's tap, or zclab's own.
    public let localPlace: Place
    public let localInterface: String
    public let localDriver: String
    public let route: SSHRoute
    public let peerInterface: String
    public let peerDriver: String
    public let ipv4: Addresses
    public let ipv6: Addresses?
    /// `uname -r` on the peer.
    public let peerKernel: String
    /// What the link is, in a few words, for the report and the progress line.
    public let summary: String

    /// This host's end.
    func local(ipv6 wanted: Bool) throws -> Endpoint {
        Endpoint(place: localPlace, interface: localInterface, address: try addresses(ipv6: wanted).local, driver: localDriver)
    }

    /// The peer's end.
    func peer(ipv6 wanted: Bool) throws -> Endpoint {
        Endpoint(place: .peer(route), interface: peerInterface, address: try addresses(ipv6: wanted).peer, driver: peerDriver)
    }

    private func addresses(ipv6 wanted: Bool) throws -> Addresses {
        guard wanted else { return ipv4 }
        guard let ipv6 else { throw SkipScenario(reason: "the scenario is IPv6 and no IPv6 addresses were given for the peer (--local-address and --peer-address, or LOCAL_V6 and REMOTE_V6)") }
        return ipv6
    }

    /// The driver of `interface` at `place` (its /sys/class/net/IF/device/driver
    /// link), "tun" for a tap, or nil.
    static func driver(of interface: String, at place: Place) -> String? {
        let script = "d=$(readlink \"/sys/class/net/$1/device/driver\") && echo \"${d##*/}\" || { [ -e \"/sys/class/net/$1/tun_flags\" ] && echo tun; }"
        let output = (try? runCommand(place.command(["sh", "-c", script, "sh", interface]))) ?? ""
        let name = output.trimmingCharacters(in: .whitespacesAndNewlines)
        return name.isEmpty ? nil : name
    }
}

/// How a run reaches its second host, as the command line chose.
public enum PeerChoice: Sendable {
    /// A guest booted with virtme-ng on `kernel` (Debian's current kernel
    /// package when nil), its virtio-net device joined to a tap in a `zcl` namespace.
    case guest(KernelSpec?)
    /// Two-host mode: a lab host over ssh, through the interface the user named.
    case remote(RemotePeer.Spec)
}

/// The run's link, made when a NIC scenario first asks for it; a link that
/// could not be made is not tried again: every NIC scenario gets the same reason.
final class PeerConnection {
    private let choice: PeerChoice
    private var made: Result<PeerLink, SkipScenario>?

    /// The link made, for the report.
    var secondHost: SecondHost? {
        guard case .success(let link) = made else { return nil }
        return SecondHost(kernelRelease: link.peerKernel, summary: link.summary)
    }

    init(_ choice: PeerChoice) { self.choice = choice }

    /// The link, set up now if this is the first time it is asked for.
    func link(_ runner: ScenarioRunner) throws -> PeerLink {
        if let made { return try made.get() }
        let result: Result<PeerLink, SkipScenario>
        do {
            let link: PeerLink = switch choice {
            case .guest(let kernel): try GuestPeer.boot(kernel, runner: runner)
            case .remote(let spec): try RemotePeer.connect(spec, runner: runner)
            }
            runner.report("second host: \(link.summary)")
            result = .success(link)
        } catch let error as Interrupted {
            throw error
        } catch let skip as SkipScenario {
            result = .failure(skip)
        } catch {
            result = .failure(SkipScenario(reason: "no second host: \(error)"))
        }
        made = result
        return try result.get()
    }
}
