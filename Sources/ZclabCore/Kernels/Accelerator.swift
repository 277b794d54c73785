import Foundation

/// How qemu runs a guest: KVM (hardware virtualisation, seconds to boot) or
/// TCG (emulation, about 30 s to boot and several times slower). zclab tries
/// KVM first, since where it works it is far faster, and falls back to TCG
/// with the reason: on some machines /dev/kvm opens but qemu stops at once
/// ("failed to set MSR 0x10a") or the guest hangs after "Probing EDD".
public struct Accelerator: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case kvm, tcg }

    public let kind: Kind
    /// Why this one: what the KVM attempt showed, or why none was made.
    public let reason: String
    /// The last console line of a failed KVM attempt (its whole console is
    /// kernels/RELEASE/vng-kvm.log).
    public var console: String?
    /// How long finding out took (the KVM attempt), in seconds.
    public let probeSeconds: Double

    enum CodingKeys: String, CodingKey {
        case kind, reason, console
        case probeSeconds = "probe_seconds"
    }

    /// Why KVM cannot even be tried here, or nil when /dev/kvm opens.
    static func kvmUnavailable(device: String = "/dev/kvm") -> String? {
        let descriptor = open(device, O_RDWR | O_CLOEXEC)
        guard descriptor >= 0 else { return "\(device) cannot be opened: \(Errno.current)" }
        close(descriptor)
        return nil
    }

    public var label: String { kind == .kvm ? "KVM" : "TCG" }
}
