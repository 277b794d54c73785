import Foundation

/// Two-host mode: a lab host reached with ssh as the run's second host, the
/// traffic through the interface the user named on this host. zclab copies
/// its own executable to a `/tmp/zcl-TAG` folder on the peer (the statically
/// linked build of `scripts/install` runs anywhere), runs its agents there
/// over ssh, and removes the folder at the end. It changes nothing on either
/// host but the features scenarios ask for, on the two named interfaces.
public enum RemotePeer {
    /// What the command line (or the kselftest variables) said.
    public struct Spec: Sendable, Equatable {
        /// `[user@]host`.
        public var destination: String
        public var port: Int?
        /// Further ssh `-o` options, `Name=value`.
        public var sshOptions: [String]
        /// This host's interface: the only local one zclab touches.
        public var interface: String
        /// The peer's interface; nil: the one holding the peer's address.
        public var peerInterface: String?
        public var ipv4: PeerLink.Addresses
        public var ipv6: PeerLink.Addresses?

        public init(
            destination: String, port: Int?, sshOptions: [String], interface: String, peerInterface: String?,
            ipv4: PeerLink.Addresses, ipv6: PeerLink.Addresses?
        ) {
            self.destination = destination
            self.port = port
            self.sshOptions = sshOptions
            self.interface = interface
            self.peerInterface = peerInterface
            self.ipv4 = ipv4
            self.ipv6 = ipv6
        }

        /// Reads `ssh://[user@]host[:port]` (an IPv6 host in brackets), or `[user@]host`.
        public static func parseDestination(_ text: String) -> (destination: String, port: Int?)? {
            var rest = Substring(text)
            if rest.hasPrefix("ssh://") { rest = rest.dropFirst(6) }
            guard !rest.isEmpty, !rest.contains("/"), !rest.contains(" ") else { return nil }
            let user = rest.lastIndex(of: "@").map { rest[...$0] } ?? ""
            var host = rest.dropFirst(user.count)
            var port: Int?
            if host.hasPrefix("[") {
                guard let close = host.firstIndex(of: "]") else { return nil }
                let after = host[host.index(after: close)...]
                if after.hasPrefix(":") { port = Int(after.dropFirst()) ?? -1 } else if !after.isEmpty { return nil }
                host = host[host.index(after: host.startIndex)..<close]
            } else if host.filter({ $0 == ":" }).count == 1, let colon = host.firstIndex(of: ":") {
                port = Int(host[host.index(after: colon)...]) ?? -1
                host = host[..<colon]
            }
            guard !host.isEmpty, port.map({ (1...65535).contains($0) }) != false else { return nil }
            return (String(user) + host, port)
        }
    }

    /// Checks this host's interface, makes the peer's folder, copies zclab
    /// there and checks that it runs, and finds the peer's interface.
    static func connect(_ spec: Spec, runner: ScenarioRunner) throws -> PeerLink {
        let local = (try? runCommand(["ip", "-o", "address", "show", "dev", spec.interface])) ?? ""
        guard !local.isEmpty else { throw SkipScenario(reason: "--interface \(spec.interface): no such interface in this network namespace") }
        if let missing = ([spec.ipv4.local] + [spec.ipv6?.local].compactMap { $0 }).first(where: { !local.contains(" \($0)/") }) {
            throw SkipScenario(reason: "--interface \(spec.interface) does not hold the local address \(missing)")
        }
        let folder = "/tmp/zcl-\(RunNames.tag(of: runner.ledger.runID))"
        let route = SSHRoute(
            destination: spec.destination, port: spec.port, options: spec.sshOptions, namespace: nil, zclab: "\(folder)/zclab", folder: folder)
        runner.ledger.add(.peerFolder(route))
        do { try route.run(["mkdir", "-p", folder]) } catch {
            throw SkipScenario(reason: "the peer \(spec.destination) cannot be reached with ssh: \(error)")
        }
        runner.report("copying zclab to \(spec.destination):\(route.zclab)")
        try route.upload(runner.executable, to: route.zclab, executable: true)
        do { try route.run([route.zclab, "--version"]) } catch {
            throw SkipScenario(reason: "the zclab copied to \(spec.destination) does not run there (\(error)): run zclab from the statically linked build of scripts/install")
        }
        let peerInterface = try spec.peerInterface ?? interface(holding: spec.ipv4.peer, on: route)
        return PeerLink(
            localPlace: .current, localInterface: spec.interface,
            localDriver: PeerLink.driver(of: spec.interface, at: .current) ?? "unknown driver", route: route,
            peerInterface: peerInterface, peerDriver: PeerLink.driver(of: peerInterface, at: .peer(route)) ?? "unknown driver",
            ipv4: spec.ipv4, ipv6: spec.ipv6,
            peerKernel: (try? route.run(["uname", "-r"]))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown",
            summary: "two hosts: \(spec.interface) \(spec.ipv4.local) <-> \(spec.destination) \(peerInterface) \(spec.ipv4.peer)")
    }

    /// The peer's interface that holds `address` (`ip -o address show to ADDRESS`).
    private static func interface(holding address: String, on route: SSHRoute) throws -> String {
        let output = (try? route.run(["ip", "-o", "address", "show", "to", address])) ?? ""
        guard let name = output.split(separator: "\n").first?.split(separator: " ").dropFirst().first else {
            throw SkipScenario(reason: "no interface of \(route.destination) holds \(address) (give --peer-interface, or the peer's address with --peer-address)")
        }
        return String(name)
    }
}
