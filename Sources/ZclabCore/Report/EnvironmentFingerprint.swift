import CZclabLinux
import Foundation

/// The machine a run happened on: what decides how the kernel behaves.
public struct EnvironmentFingerprint: Codable, Sendable {
    public var kernelRelease: String
    public var kernelVersion: String
    /// /proc/cmdline.
    public var kernelCommandLine: String?
    public var machine: String
    /// "model name" from /proc/cpuinfo, and how many CPUs are online.
    public var cpuModel: String?
    public var cpus: Int?
    public var libpcapVersion: String
    /// The sysctls that shape zero-copy sends, by /proc/sys path.
    public var sysctls: [String: String]
    /// RLIMIT_MEMLOCK soft limit in bytes ("unlimited" when infinite).
    public var rlimitMemlock: String
    public var euid: UInt32
    /// What zclab can do here, and for each missing thing, why.
    public var capabilities: [String: String]
    /// Offload features of every interface the run created, by interface.
    public var interfaceFeatures: [String: [String: String]] = [:]
    /// SHA-256 of the zclab executable that ran: which build, exactly.
    public var zclabBuild: String?
    /// Whether this zclab was built with liburing (io_uring scenarios).
    public var liburing: Bool?

    enum CodingKeys: String, CodingKey {
        case machine, sysctls, euid, capabilities
        case kernelRelease = "kernel_release", kernelVersion = "kernel_version", kernelCommandLine = "kernel_command_line"
        case cpuModel = "cpu_model", cpus, zclabBuild = "zclab_build", liburing
        case libpcapVersion = "libpcap_version", rlimitMemlock = "rlimit_memlock"
        case interfaceFeatures = "interface_features"
    }

    public static let sysctlPaths = [
        "/proc/sys/net/core/optmem_max", "/proc/sys/net/ipv4/tcp_wmem", "/proc/sys/net/ipv4/tcp_rmem",
        "/proc/sys/fs/lease-break-time", "/proc/sys/net/core/wmem_max", "/proc/sys/net/core/rmem_max",
        "/proc/sys/kernel/io_uring_disabled",
    ]

    /// Reads the fingerprint of this machine.
    public static func current() -> EnvironmentFingerprint {
        var names = utsname()
        uname(&names)
        func field<T>(_ value: T) -> String {
            withUnsafeBytes(of: value) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        var sysctls: [String: String] = [:]
        for path in sysctlPaths {
            sysctls[path] = (try? String(contentsOfFile: path, encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
                .replacingOccurrences(of: "\t", with: " ") ?? "unreadable"
        }
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        var limit = rlimit()
        getrlimit(__rlimit_resource_t(UInt32(zcl_RLIMIT_MEMLOCK)), &limit)
        var fingerprint = EnvironmentFingerprint(
            kernelRelease: field(names.release), kernelVersion: field(names.version), machine: field(names.machine),
            libpcapVersion: LiveCapture.libraryVersion, sysctls: sysctls,
            rlimitMemlock: limit.rlim_cur == rlim_t.max ? "unlimited" : "\(limit.rlim_cur)",
            euid: geteuid(), capabilities: Capabilities.probe())
        fingerprint.kernelCommandLine = (try? String(contentsOfFile: "/proc/cmdline", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        fingerprint.cpuModel = model
        fingerprint.cpus = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        fingerprint.zclabBuild = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")).flatMap { try? sha256(ofFile: $0) }
        fingerprint.liburing = IoUringRing.isBuiltIn
        return fingerprint
    }
}

/// What the kernel scenarios need, checked without changing anything.
public enum Capabilities {
    /// "ok", or the reason it is missing, for each capability.
    public static func probe() -> [String: String] {
        var result: [String: String] = [:]
        result["root"] = geteuid() == 0 ? "ok" : "not root (euid \(geteuid())): namespaces and capture need CAP_SYS_ADMIN and CAP_NET_RAW"
        result["netns"] = FileManager.default.fileExists(atPath: "/proc/self/ns/net") ? "ok" : "no /proc/self/ns/net: kernel without CONFIG_NET_NS"
        result["ip"] = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"].contains { FileManager.default.isExecutableFile(atPath: $0) }
            ? "ok" : "no ip command: install iproute2"
        let scratch = RunNames.scratchParent
        result["tmpfs"] = FileManager.default.isWritableFile(atPath: scratch) ? "ok" : "\(scratch) is not writable"
        // Only scenarios/nic's guest peer needs it; the others run without.
        result["nic"] = GuestPeer.unavailability() ?? "ok"
        return result
    }

    /// The reason kernel scenarios cannot run here, or nil if they can.
    public static func kernelScenarioBlocker(_ probe: [String: String] = probe()) -> String? {
        for key in ["root", "netns", "ip", "tmpfs"] where probe[key] != "ok" { return probe[key] }
        return nil
    }

}
