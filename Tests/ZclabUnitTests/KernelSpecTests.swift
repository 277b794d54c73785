import Foundation
import Testing
@testable import ZclabCore

/// `--kernel` values: every form virtme-ng boots, and every bad one refused
/// with the value and the reason before anything runs.
@Suite("Kernel specs")
struct KernelSpecTests {
    /// A folder with a fake build tree, a fake image (an x86 boot header
    /// naming `release`), a .deb and a modules folder.
    struct Fixture {
        let root: String
        let release = "6.13.0-rc1-zcl+"

        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("zcl-unit-\(UUID().uuidString)").path
            for folder in ["linux/arch/x86/boot", "mods/lib/modules/\(release)", "pkg/boot", "pkg/lib/modules/\(release)", "empty", "unconfigured/arch/x86/boot"] {
                try FileManager.default.createDirectory(atPath: "\(root)/\(folder)", withIntermediateDirectories: true)
            }
            let image = Self.image(release: release)
            for path in ["linux/arch/x86/boot/bzImage", "unconfigured/arch/x86/boot/bzImage", "vmlinuz", "pkg/boot/vmlinuz-\(release)"] {
                try image.write(to: URL(fileURLWithPath: "\(root)/\(path)"))
            }
            try Data().write(to: URL(fileURLWithPath: "\(root)/linux/.config"))
            try Data("!<arch>".utf8).write(to: URL(fileURLWithPath: "\(root)/k.deb"))
            try Data("not a kernel".utf8).write(to: URL(fileURLWithPath: "\(root)/notes.txt"))
        }

        /// The first bytes of an x86 kernel image: "HdrS" at 0x202 and at
        /// 0x20E the offset (from 0x200) of "RELEASE (builder) #1 ...".
        static func image(release: String) -> Data {
            var bytes = [UInt8](repeating: 0, count: 0x400)
            bytes.replaceSubrange(0x202..<0x206, with: Array("HdrS".utf8))
            bytes[0x20E] = 0x00
            bytes[0x20F] = 0x01  // 0x100 + 0x200 = 0x300
            bytes.replaceSubrange(0x300..<0x300, with: Array("\(release) (zcl@build) #1 SMP".utf8) + [0])
            return Data(bytes)
        }

        func remove() { try? FileManager.default.removeItem(atPath: root) }
    }

    @Test func everyFormVirtmeNgBoots() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let root = fixture.root
        #expect(try KernelSpec.parse("linux-image-6.1.0-47-amd64-unsigned") == .package("linux-image-6.1.0-47-amd64-unsigned"))
        #expect(try KernelSpec.parse("linux-image-6.12.57+deb13-amd64-unsigned") == .package("linux-image-6.12.57+deb13-amd64-unsigned"))
        #expect(try KernelSpec.parse("\(root)/k.deb") == .debFile(path: "\(root)/k.deb"))
        #expect(try KernelSpec.parse("\(root)/vmlinuz") == .image(path: "\(root)/vmlinuz", modules: nil))
        #expect(try KernelSpec.parse("\(root)/vmlinuz:\(root)/mods/lib/modules/\(fixture.release)")
            == .image(path: "\(root)/vmlinuz", modules: "\(root)/mods/lib/modules/\(fixture.release)"))
        #expect(try KernelSpec.parse("\(root)/linux") == .buildTree(path: "\(root)/linux"))
        #expect(try KernelSpec.parse("\(root)/linux/") == .buildTree(path: "\(root)/linux"))
        // A build tree's bzImage is the tree, as for virtme-ng (it has a .config beside).
        #expect(try KernelSpec.parse("\(root)/linux/arch/x86/boot/bzImage") == .buildTree(path: "\(root)/linux"))
        // ~ is the home folder when the shell left it (--kernel=~/...).
        #expect(try KernelSpec.parse("~/linux", home: root) == .buildTree(path: "\(root)/linux"))
    }

    @Test func badValuesSayWhichAndWhy() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let root = fixture.root
        let cases: [(String, String)] = [
            ("", "empty"),
            ("6.1.0-47-amd64", "not a Debian kernel package name"),
            ("linux-headers-6.1.0-47-amd64", "not a Debian kernel package name"),
            ("Linux-Image-6.1", "not a Debian kernel package name"),
            ("\(root)/missing/vmlinuz", "no such file or folder"),
            ("\(root)/empty", "must be a kernel build tree"),
            ("\(root)/unconfigured", "has a .config"),
            ("\(root)/vmlinuz:\(root)/nowhere", "no such modules folder"),
            ("\(root)/nowhere:\(root)/mods", "no such kernel image file"),
        ]
        for (value, reason) in cases {
            #expect(throws: KernelSpec.ParseError.self, "\(value)") { try KernelSpec.parse(value) }
            do {
                _ = try KernelSpec.parse(value)
            } catch {
                #expect(error.description.hasPrefix("--kernel \(value):"), "\(error)")
                #expect(error.description.contains(reason), "\(error)")
            }
        }
    }

    @Test func theReleaseComesFromTheImagesBootHeader() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        #expect(try KernelImageRelease.read("\(fixture.root)/vmlinuz") == fixture.release)
        #expect(throws: KernelImageRelease.Unreadable.self) { try KernelImageRelease.read("\(fixture.root)/notes.txt") }
        #expect(throws: KernelImageRelease.Unreadable.self) { try KernelImageRelease.read("\(fixture.root)/missing") }
    }

    @Test func preparingAnImageFindsOrLinksItsModules() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        let root = fixture.root
        let cache = KernelCache(folder: "\(root)/cache")
        // Inside an unpacked package: virtme-ng finds lib/modules/RELEASE above it.
        let unpacked = try cache.prepare(.image(path: "\(root)/pkg/boot/vmlinuz-\(fixture.release)", modules: nil)) { _ in }
        #expect(unpacked.release == fixture.release)
        #expect(unpacked.note == nil)
        // A lone image: it boots, without loadable modules, and the user is told.
        let lone = try cache.prepare(.image(path: "\(root)/vmlinuz", modules: nil)) { _ in }
        #expect(lone.note?.contains("no loadable modules") == true)
        // VMLINUZ:MODULESDIR: links in the cache laid out as virtme-ng looks for them.
        let modules = "\(root)/mods/lib/modules/\(fixture.release)"
        let linked = try cache.prepare(.image(path: "\(root)/vmlinuz", modules: modules)) { _ in }
        let layout = (((linked.bootPath as NSString).deletingLastPathComponent) as NSString).deletingLastPathComponent
        #expect(linked.bootPath.hasPrefix("\(root)/cache/images/\(fixture.release)-"))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: "\(layout)/lib/modules/\(fixture.release)") == modules)
        #expect(KernelCache.modulesAbove(linked.bootPath, release: fixture.release) == "\(layout)/lib/modules/\(fixture.release)")
    }

    @Test func theGuestMustSeeEveryPath() {
        #expect(KernelRunner.pathProblem("/work/zclab/.build/debug/zclab") == nil)
        #expect(KernelRunner.pathProblem("/tmp/zcl-out/kernels") == nil)
        #expect(KernelRunner.pathProblem("/var/tmp/runs")?.contains("empty tmpfs") == true)
        #expect(KernelRunner.pathProblem("/run/zclab") != nil)
        #expect(KernelRunner.pathProblem("/runs/x") == nil)
        #expect(KernelRunner.pathProblem("/tmp/my runs")?.contains("unquoted") == true)
    }

    @Test func missingToolsAreNamedWithTheirPackage() throws {
        let fixture = try Fixture()
        defer { fixture.remove() }
        #expect(KernelRunner.missingTools(path: "").count == 3)
        for tool in ["vng", "qemu-system-x86_64", "depmod"] {
            FileManager.default.createFile(atPath: "\(fixture.root)/\(tool)", contents: Data(), attributes: [.posixPermissions: 0o755])
        }
        #expect(KernelRunner.missingTools(path: "/nowhere:\(fixture.root)").isEmpty)
        try FileManager.default.removeItem(atPath: "\(fixture.root)/vng")
        #expect(KernelRunner.missingTools(path: fixture.root) == ["vng (virtme-ng 1.42 from PyPI)"])
    }

    @Test func theCacheAndTheMirrorFollowTheMachine() throws {
        #expect(KernelCache.defaultFolder(environment: ["XDG_CACHE_HOME": "/c", "HOME": "/h"]) == "/c/zclab/kernels")
        #expect(KernelCache.defaultFolder(environment: ["HOME": "/h"]) == "/h/.cache/zclab/kernels")
        let etc = FileManager.default.temporaryDirectory.appendingPathComponent("zcl-unit-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: etc) }
        try FileManager.default.createDirectory(atPath: "\(etc)/sources.list.d", withIntermediateDirectories: true)
        #expect(DebianArchive.mirror(sourcesFolder: etc) == "http://deb.debian.org/debian")
        try "Types: deb\nURIs: http://mirror.example/debian-security\n\nTypes: deb\nURIs: http://mirror.example/debian\nSuites: bookworm\n"
            .write(toFile: "\(etc)/sources.list.d/debian.sources", atomically: true, encoding: .utf8)
        #expect(DebianArchive.mirror(sourcesFolder: etc) == "http://mirror.example/debian")
        try "deb [arch=amd64] http://ftp.example/debian bookworm main\n".write(toFile: "\(etc)/sources.list", atomically: true, encoding: .utf8)
        #expect(DebianArchive.mirror(sourcesFolder: etc) == "http://ftp.example/debian")
    }
}
