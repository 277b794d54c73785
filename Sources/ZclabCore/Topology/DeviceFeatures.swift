import Foundation

/// Offload features of the interfaces zclab created (or the user named in
/// two-host mode), read and set where they are by a `zclab agent features`
/// child (the ethtool ioctls act on the caller's namespace): in their
/// namespace, or on the peer over ssh.
enum DeviceFeatures {
    /// This zclab binary, to run as the child.
    static var executable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// Every feature of `interface` at `place`.
    static func read(place: Place, interface: String) throws -> [String: InterfaceFeatures.State] {
        try decode(try runCommand(place.zclab(["agent", "features", interface], executable: executable)))
    }

    /// Sets `changes` (kernel names) and returns the features read back.
    @discardableResult
    static func write(place: Place, interface: String, _ changes: [String: Bool]) throws -> [String: InterfaceFeatures.State] {
        let arguments = changes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value ? "on" : "off")" }
        return try decode(try runCommand(place.zclab(["agent", "features", interface] + arguments, executable: executable)))
    }

    /// The child's answer: one JSON object, kernel name to state.
    private static func decode(_ output: String) throws -> [String: InterfaceFeatures.State] {
        try JSONDecoder().decode([String: InterfaceFeatures.State].self, from: Data(output.utf8))
    }

    /// Whether `interface` exists at `place` (and its namespace or peer is there).
    static func exists(place: Place, interface: String) -> Bool {
        if case .namespace(let name) = place, !Namespaces.list().contains(name) { return false }
        return (try? runCommand(place.command(["ip", "-o", "link", "show", "dev", interface]))) != nil
    }
}
