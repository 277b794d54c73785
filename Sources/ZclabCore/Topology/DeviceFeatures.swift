import Foundation

/// Offload features of the interfaces zclab created, read and set inside
/// their namespaces by a `zclab agent features` child (the ethtool ioctls
/// act on the caller's namespace).
enum DeviceFeatures {
    /// This zclab binary, to run as the child.
    static var executable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// Every feature of `interface` in `namespace`.
    static func read(namespace: String, interface: String) throws -> [String: InterfaceFeatures.State] {
        try decode(try runCommand(["ip", "netns", "exec", namespace, executable, "agent", "features", interface]))
    }

    /// Sets `changes` (kernel names) and returns the features read back.
    @discardableResult
    static func write(namespace: String, interface: String, _ changes: [String: Bool]) throws -> [String: InterfaceFeatures.State] {
        let arguments = changes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value ? "on" : "off")" }
        return try decode(try runCommand(
            ["ip", "netns", "exec", namespace, executable, "agent", "features", interface] + arguments))
    }

    /// The child's answer: one JSON object, kernel name to state.
    private static func decode(_ output: String) throws -> [String: InterfaceFeatures.State] {
        try JSONDecoder().decode([String: InterfaceFeatures.State].self, from: Data(output.utf8))
    }

    /// Whether `interface` exists in `namespace`.
    static func exists(namespace: String, interface: String) -> Bool {
        (try? runCommand(["ip", "-n", namespace, "-o", "link", "show", "dev", interface])) != nil
    }
}
