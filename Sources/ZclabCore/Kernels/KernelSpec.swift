import Foundation

/// A kernel named on the command line (`zclab run --kernel SPEC`), in one of
/// the forms virtme-ng boots. Parsing looks at the file system only, so a
/// typo is found before anything is fetched or booted.
public enum KernelSpec: Sendable, Equatable, CustomStringConvertible {
    /// A Debian binary package, e.g. `linux-image-6.1.0-47-amd64-unsigned`:
    /// fetched with `apt-get download` into the kernel cache and unpacked
    /// there, never installed.
    case package(String)
    /// A kernel package file (`.deb`), unpacked into the kernel cache.
    case debFile(path: String)
    /// A kernel image (vmlinuz or bzImage). Its modules: the folder given
    /// after a colon (`VMLINUZ:MODULESDIR`, the folder that holds
    /// modules.dep or the `.ko` tree, e.g. `INSTALL_MOD_PATH/lib/modules/RELEASE`),
    /// else `lib/modules/RELEASE` found above the image as virtme-ng looks
    /// for it (as in an unpacked package, or /boot of this machine), else none.
    case image(path: String, modules: String?)
    /// A kernel build tree (the folder that holds arch/x86/boot/bzImage and
    /// .config): virtme-ng boots its bzImage and prepares its modules in the
    /// tree's `.virtme_mods`, its own way.
    case buildTree(path: String)

    /// Where a build tree keeps its image.
    public static let buildTreeImage = "arch/x86/boot/bzImage"

    /// Why a `--kernel` value names no kernel.
    public struct ParseError: Error, CustomStringConvertible {
        public let spec: String
        public let reason: String
        public var description: String { "--kernel \(spec): \(reason)" }
    }

    /// Parses `text`: a path (anything with a `/`, or starting with `.` or
    /// `~`) names a file or folder that must exist; anything else must be a
    /// Debian kernel image package name.
    public static func parse(_ text: String, home: String = NSHomeDirectory()) throws(ParseError) -> KernelSpec {
        func failure(_ reason: String) -> ParseError { ParseError(spec: text, reason: reason) }
        guard !text.isEmpty else { throw failure("empty: name a kernel package, a .deb, a vmlinuz or a kernel build tree") }
        guard text.contains("/") || text.hasPrefix(".") || text.hasPrefix("~") else {
            guard text.range(of: #"^linux-image-[a-z0-9][a-z0-9.+~-]*$"#, options: .regularExpression) != nil else {
                throw failure("""
                    no such file, and not a Debian kernel package name (linux-image-..., e.g. \
                    linux-image-6.1.0-47-amd64-unsigned; `apt-cache search linux-image` lists them)
                    """)
            }
            return .package(text)
        }
        let expanded = text.hasPrefix("~/") ? home + text.dropFirst() : text
        let path = URL(fileURLWithPath: expanded).standardizedFileURL.path
        switch kind(of: path) {
        case .folder:
            guard kind(of: "\(path)/\(buildTreeImage)") == .file else {
                throw failure("a folder must be a kernel build tree, and \(path)/\(buildTreeImage) does not exist (run `make` there first?)")
            }
            guard kind(of: "\(path)/.config") == .file else {
                throw failure("a kernel build tree has a .config, and \(path) has none (virtme-ng reads it)")
            }
            return .buildTree(path: path)
        case .file:
            if path.hasSuffix(".deb") { return .debFile(path: path) }
            if path.hasSuffix("/" + buildTreeImage), kind(of: String(path.dropLast(buildTreeImage.count)) + ".config") == .file {
                return .buildTree(path: String(path.dropLast(buildTreeImage.count + 1)))
            }
            return .image(path: path, modules: nil)
        case .missing:
            // VMLINUZ:MODULESDIR, split at the last colon.
            guard let colon = expanded.lastIndex(of: ":") else { throw failure("no such file or folder") }
            let image = URL(fileURLWithPath: String(expanded[..<colon])).standardizedFileURL.path
            let modules = URL(fileURLWithPath: String(expanded[expanded.index(after: colon)...])).standardizedFileURL.path
            guard kind(of: image) == .file else { throw failure("\(image): no such kernel image file") }
            guard kind(of: modules) == .folder else { throw failure("\(modules): no such modules folder") }
            return .image(path: image, modules: modules)
        }
    }

    private enum Kind { case file, folder, missing }

    private static func kind(of path: String) -> Kind {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { return .missing }
        return isFolder.boolValue ? .folder : .file
    }

    public var description: String {
        switch self {
        case .package(let name): name
        case .debFile(let path): path
        case .image(let path, let modules): modules.map { "\(path):\($0)" } ?? path
        case .buildTree(let path): path
        }
    }
}
