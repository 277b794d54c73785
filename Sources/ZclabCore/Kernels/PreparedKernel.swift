/// A kernel ready to boot: what virtme-ng's `--run` is given, and the
/// release the guest will report (`uname -r`).
public struct PreparedKernel: Sendable, Equatable {
    public let spec: KernelSpec
    public let release: String
    /// An image inside a folder laid out as a root file system (its modules
    /// at lib/modules/RELEASE above it, where virtme-ng looks for them and
    /// hands them to the guest), or a build tree.
    public let bootPath: String
    /// What the user should know about it, e.g. that the guest will have no
    /// loadable modules.
    public let note: String?
}
