import Foundation

/// Data segments lost on the way in, for staging a retransmission: an
/// nftables rule in the receiving namespace's input hook drops every data
/// segment to the scenario's port from the `dropFrom`th on (counted by the
/// rule itself, `numgen inc`), until the action `restore-link` flushes it.
/// The receiver's capture sees each segment before the hook, so the first
/// transmissions and the retransmissions are both on record. The table goes
/// with the namespace.
public struct LossSpec: Sendable, Equatable {
    /// The first data segment dropped, counted from 1.
    public var dropFrom: UInt64

    public init(dropFrom: UInt64) { self.dropFrom = dropFrom }
}

enum LinkLoss {
    static let table = "zcl"

    /// Why the rule cannot be installed here, or nil.
    static func unavailability() -> String? {
        ["/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft"].contains { FileManager.default.isExecutableFile(atPath: $0) }
            ? nil : "nft is not installed (Debian's nftables; scripts/setup installs it): loss is staged with an nftables rule"
    }

    /// Installs the drop in `namespace`: data segments (longer than a bare
    /// ACK) to `port`, from the `spec.dropFrom`th on.
    static func install(_ spec: LossSpec, port: UInt16, in namespace: String) throws {
        if let reason = unavailability() { throw SkipScenario(reason: reason) }
        let ruleset = """
            table inet \(table) {
              chain in {
                type filter hook input priority 0; policy accept;
                tcp dport \(port) meta length > 100 numgen inc mod 1000000000 >= \(spec.dropFrom - 1) counter drop
              }
            }
            """
        try runCommand(["ip", "netns", "exec", namespace, "nft", "-f", "-"], input: Data(ruleset.utf8))
    }

    /// Removes the drop and returns how many segments it dropped.
    static func restore(in namespace: String) throws -> UInt64 {
        let listing = try runCommand(["ip", "netns", "exec", namespace, "nft", "list", "chain", "inet", table, "in"])
        try runCommand(["ip", "netns", "exec", namespace, "nft", "flush", "chain", "inet", table, "in"])
        let words = listing.split(whereSeparator: \.isWhitespace)
        guard let index = words.firstIndex(of: "packets"), let count = UInt64(words[words.index(after: index)]) else {
            throw ScenarioFailure("nft in \(namespace) listed no counter: \(listing.prefix(200))")
        }
        return count
    }
}
