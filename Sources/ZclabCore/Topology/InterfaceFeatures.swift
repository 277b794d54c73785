import CZclabLinux

/// A network device's features (offloads), read with the ethtool ioctls.
public enum InterfaceFeatures {
    /// "name on|off [fixed]" lines, as ETHTOOL_GFEATURES reports them.
    public static func read(_ interface: String) throws(Errno) -> String {
        var buffer = [CChar](repeating: 0, count: 64 << 10)
        let length = zcl_ethtool_features_text(interface, &buffer, buffer.count)
        guard length >= 0 else { throw Errno(Int32(-length)) }
        return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
