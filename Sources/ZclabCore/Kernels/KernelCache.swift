import Foundation

/// Where fetched and unpacked kernels are kept between runs, so that a kernel
/// is downloaded and unpacked once (about 70 MB of package and 400 MB
/// unpacked for a Debian 6.1). It is a cache, not a leftover of a run:
/// zclab never installs a kernel, never writes to the machine's /boot,
/// /lib/modules or apt configuration, and `rm -rf` of the folder is always
/// safe. Layout:
/// - `debs/`: packages `apt-get download` fetched;
/// - `trees/NAME/`: a package unpacked with `dpkg -x` (boot/vmlinuz-RELEASE,
///   lib/modules/RELEASE with the modules.dep `depmod -b` wrote);
/// - `images/RELEASE-HASH/`: for `VMLINUZ:MODULESDIR`, symbolic links laid
///   out as boot/ and lib/modules/RELEASE, the way virtme-ng finds modules;
/// - `apt/`: the private sources list and indexes of Debian suites this
///   machine's sources lack.
public struct KernelCache: Sendable {
    public let folder: String

    public init(folder: String) { self.folder = folder }

    /// `$XDG_CACHE_HOME/zclab/kernels`, by default `~/.cache/zclab/kernels`.
    public static func defaultFolder(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let cache = environment["XDG_CACHE_HOME"], cache.hasPrefix("/") { return "\(cache)/zclab/kernels" }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return "\(home)/.cache/zclab/kernels"
    }

    /// Why a kernel could not be made ready.
    public struct Unusable: Error, CustomStringConvertible {
        public let spec: KernelSpec
        public let reason: String
        public var description: String { "--kernel \(spec): \(reason)" }
    }

    /// Fetches and unpacks what `spec` names, as needed, and says what to boot.
    /// `log` hears about slow steps (downloads, unpacking).
    public func prepare(_ spec: KernelSpec, log: (String) -> Void) throws(Unusable) -> PreparedKernel {
        do {
            switch spec {
            case .package(let name):
                let deb = try DebianArchive(folder: "\(folder)/apt").download(name, into: "\(folder)/debs", log: log)
                return try unpacked(deb, spec: spec, log: log)
            case .debFile(let path):
                return try unpacked(path, spec: spec, log: log)
            case .image(let path, let modules?):
                return try linked(image: path, modules: modules, spec: spec)
            case .image(let path, nil):
                let release = try KernelImageRelease.read(path)
                let found = Self.modulesAbove(path, release: release)
                let note = found == nil
                    ? "no lib/modules/\(release) above \(path): the guest has no loadable modules (name them with \(path):MODULESDIR)"
                    : nil
                return PreparedKernel(spec: spec, release: release, bootPath: path, note: note)
            case .buildTree(let path):
                let release = try KernelImageRelease.read("\(path)/\(KernelSpec.buildTreeImage)")
                return PreparedKernel(spec: spec, release: release, bootPath: path, note: nil)
            }
        } catch let error as Unusable {
            throw error
        } catch {
            throw Unusable(spec: spec, reason: "\(error)")
        }
    }

    /// The tree `deb` unpacks to, unpacked (and its modules indexed) unless it already is.
    private func unpacked(_ deb: String, spec: KernelSpec, log: (String) -> Void) throws -> PreparedKernel {
        let name = ((deb as NSString).lastPathComponent as NSString).deletingPathExtension
        let tree = "\(folder)/trees/\(name)"
        if !FileManager.default.fileExists(atPath: tree) {
            log("unpacking \((deb as NSString).lastPathComponent) into \(tree)")
            // Unpacked beside and renamed when complete: a killed run leaves no half tree in use.
            let partial = "\(tree).partial-\(getpid())"
            try? FileManager.default.removeItem(atPath: partial)
            try FileManager.default.createDirectory(atPath: partial, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: partial) }
            try runCommand(["dpkg", "-x", deb, partial])
            let (root, release) = try Self.modulesRoot(of: partial, spec: spec)
            try runCommand(["depmod", "-a", "-b", root, release])
            if rename(partial, tree) != 0 && !FileManager.default.fileExists(atPath: tree) {
                throw Unusable(spec: spec, reason: "cannot move \(partial) to \(tree): \(Errno.current)")
            }
        }
        let (_, release) = try Self.modulesRoot(of: tree, spec: spec)
        let image = "\(tree)/boot/vmlinuz-\(release)"
        guard FileManager.default.fileExists(atPath: image) else {
            throw Unusable(spec: spec, reason: "\(deb) holds no boot/vmlinuz-\(release): not a kernel image package")
        }
        let imageRelease = try KernelImageRelease.read(image)
        guard imageRelease == release else {
            throw Unusable(spec: spec, reason: "its image is \(imageRelease) but its modules are \(release)")
        }
        return PreparedKernel(spec: spec, release: release, bootPath: image, note: nil)
    }

    /// The folder that holds `lib/modules/RELEASE` in an unpacked package
    /// (`usr/` for a merged-/usr package, as Debian 13's are), and RELEASE.
    private static func modulesRoot(of tree: String, spec: KernelSpec) throws(Unusable) -> (root: String, release: String) {
        for root in [tree, "\(tree)/usr"] {
            let releases = (try? FileManager.default.contentsOfDirectory(atPath: "\(root)/lib/modules")) ?? []
            if releases.count == 1, let release = releases.first { return (root, release) }
            if releases.count > 1 { throw Unusable(spec: spec, reason: "\(root)/lib/modules holds several releases: \(releases.sorted())") }
        }
        throw Unusable(spec: spec, reason: "no lib/modules/RELEASE in the package: not a kernel image package")
    }

    /// `image` and `modules` linked as boot/vmlinuz-RELEASE and
    /// lib/modules/RELEASE in a folder of the cache, which virtme-ng takes
    /// for the image's root file system and exports the modules from.
    private func linked(image: String, modules: String, spec: KernelSpec) throws -> PreparedKernel {
        let release = try KernelImageRelease.read(image)
        let layout = "\(folder)/images/\(release)-\(Self.digest("\(image):\(modules)"))"
        try FileManager.default.createDirectory(atPath: "\(layout)/boot", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "\(layout)/lib/modules", withIntermediateDirectories: true)
        for (link, target) in [("\(layout)/boot/vmlinuz-\(release)", image), ("\(layout)/lib/modules/\(release)", modules)] {
            try? FileManager.default.removeItem(atPath: link)
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        }
        return PreparedKernel(spec: spec, release: release, bootPath: "\(layout)/boot/vmlinuz-\(release)", note: nil)
    }

    /// `lib/modules/RELEASE` in the nearest folder above `image` that has a
    /// lib/modules (or usr/lib/modules), as virtme-ng looks for it; nil if none.
    static func modulesAbove(_ image: String, release: String) -> String? {
        var folder = image
        repeat {
            folder = (folder as NSString).deletingLastPathComponent
            let base = folder == "/" ? "" : folder
            for candidate in ["\(base)/lib/modules", "\(base)/usr/lib/modules"]
            where FileManager.default.fileExists(atPath: candidate) {
                let modules = "\(candidate)/\(release)"
                return FileManager.default.fileExists(atPath: modules) ? modules : nil
            }
        } while folder != "/" && !folder.isEmpty
        return nil
    }

    /// FNV-1a of `text`, 8 hex digits: stable across runs, unlike `hashValue`.
    static func digest(_ text: String) -> String {
        var hash: UInt32 = 0x811C_9DC5
        for byte in text.utf8 { hash = (hash ^ UInt32(byte)) &* 0x0100_0193 }
        return String(format: "%08x", hash)
    }
}
