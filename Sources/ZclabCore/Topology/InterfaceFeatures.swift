import CZclabLinux
#if canImport(Glibc)
import Glibc
#endif

/// A network device's features (offloads), read and set with the ethtool
/// ioctls in the calling process's network namespace.
public enum InterfaceFeatures {
    /// One feature's state as ETHTOOL_GFEATURES reports it.
    public struct State: Codable, Sendable, Equatable, CustomStringConvertible {
        public var on: Bool
        /// The device (or the kernel) does not let it change.
        public var fixed: Bool

        public init(on: Bool, fixed: Bool) {
            self.on = on
            self.fixed = fixed
        }

        /// "on", "off", "on fixed" or "off fixed", as `ethtool -k` prints it.
        public var description: String { (on ? "on" : "off") + (fixed ? " fixed" : "") }
    }

    /// What ETHTOOL_SFEATURES said of a request it accepted.
    public struct SetOutcome: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// Some requested bits are not available on the device.
        public static let unsupported = SetOutcome(rawValue: zcl_ETHTOOL_F_UNSUPPORTED)
        /// The device's features now differ from the request (a dependency,
        /// or the driver refused).
        public static let wish = SetOutcome(rawValue: zcl_ETHTOOL_F_WISH)
        public static let compat = SetOutcome(rawValue: zcl_ETHTOOL_F_COMPAT)
    }

    /// Every feature of `interface` by its kernel name (tx-tcp-segmentation).
    public static func read(_ interface: String) throws(Errno) -> [String: State] {
        var features: [zcl_device_feature] = []
        var capacity = 96  // veth has 60 on 6.18; a larger device asks again
        while true {
            features = Array(repeating: zcl_device_feature(), count: capacity)
            let count = zcl_ethtool_get_features(interface, &features, capacity)
            guard count >= 0 else { throw Errno(Int32(-count)) }
            guard Int(count) > capacity else {
                features.removeLast(capacity - Int(count))
                break
            }
            capacity = Int(count)
        }
        var states: [String: State] = [:]
        for var feature in features {
            let name = withUnsafeBytes(of: &feature.name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            states[name] = State(on: feature.on != 0, fixed: feature.fixed != 0)
        }
        return states
    }

    /// Turns features of `interface` on or off (ETHTOOL_SFEATURES), by kernel name.
    @discardableResult
    public static func set(_ interface: String, _ changes: [(name: String, on: Bool)]) throws(Errno) -> SetOutcome {
        let names = changes.map { strdup($0.name) }
        defer { names.forEach { free($0) } }
        let on = changes.map { Int32($0.on ? 1 : 0) }
        let pointers: [UnsafePointer<CChar>?] = names.map { $0.map { UnsafePointer($0) } }
        let result = zcl_ethtool_set_features(interface, pointers, on, changes.count)
        guard result >= 0 else { throw Errno(Int32(-result)) }
        return SetOutcome(rawValue: result)
    }

    /// The kernel names behind a short name as `ethtool -K` takes them (tso,
    /// gso, gro, lro, sg, tx, rx), keeping those `available` has; any other
    /// name stands for itself.
    public static func expand(_ name: String, available: [String: State]) -> [String] {
        let names: [String]
        switch name {
        case "tso": names = available.keys.filter { $0.hasPrefix("tx-tcp") && $0.hasSuffix("segmentation") }
        case "gso": names = ["tx-generic-segmentation"]
        case "gro": names = ["rx-gro"]
        case "lro": names = ["rx-lro"]
        case "sg": names = ["tx-scatter-gather"]
        case "tx": names = available.keys.filter { $0.hasPrefix("tx-checksum-") }
        case "rx": names = ["rx-checksum"]
        default: names = [name]
        }
        return names.filter { available[$0] != nil }.sorted()
    }

    /// The short names `expand` knows.
    public static let shortNames = ["tso", "gso", "gro", "lro", "sg", "tx", "rx"]
}
