import Foundation

/// Debian kernel packages fetched with apt's own client, never installed:
/// from this machine's apt sources when they have the package, else from
/// the suites in `otherSuites` through a private sources list whose indexes
/// live in the kernel cache (apt's `Dir::Etc::sourcelist`, `Dir::State::Lists`
/// and `Dir::Cache` pointed there), so the machine's apt configuration and
/// lists stay as they were.
struct DebianArchive {
    /// Suites searched when the machine's sources lack a package: Debian 13,
    /// whose 6.12 kernels a Debian 12 machine does not list.
    static let otherSuites = ["trixie"]
    static let keyring = "/usr/share/keyrings/debian-archive-keyring.gpg"

    /// The private apt folder: sources.list, lists/ and cache/.
    let folder: String

    /// The `.deb` of `package` in `downloads` (fetched there unless a file
    /// `PACKAGE_*.deb` already is).
    func download(_ package: String, into downloads: String, log: (String) -> Void) throws -> String {
        if let cached = Self.debs(of: package, in: downloads).last { return cached }
        try FileManager.default.createDirectory(atPath: downloads, withIntermediateDirectories: true)
        if (try? runCommand(["apt-cache", "show", "--no-all-versions", package])) != nil {
            log("downloading \(package) from this machine's apt sources")
            try runCommand(["apt-get", "download", "-q", package], workingDirectory: downloads)
        } else {
            let options = try privateOptions()
            if (try? runCommand(["apt-cache"] + options + ["show", "--no-all-versions", package])) == nil {
                log("\(package) is not in this machine's apt sources: reading the indexes of \(Self.otherSuites.joined(separator: ", "))")
                try runCommand(["apt-get"] + options + ["update", "-qq"])
            }
            guard (try? runCommand(["apt-cache"] + options + ["show", "--no-all-versions", package])) != nil else {
                throw PackageNotFound(package: package, suites: Self.otherSuites)
            }
            log("downloading \(package) from \(Self.otherSuites.joined(separator: ", "))")
            do {
                try runCommand(["apt-get"] + options + ["download", "-q", package], workingDirectory: downloads)
            } catch {
                // Indexes from an earlier run may name a version the archive has dropped since.
                log("download failed (\(error)): reading the indexes again")
                try runCommand(["apt-get"] + options + ["update", "-qq"])
                try runCommand(["apt-get"] + options + ["download", "-q", package], workingDirectory: downloads)
            }
        }
        guard let fetched = Self.debs(of: package, in: downloads).last else { throw PackageNotFound(package: package, suites: Self.otherSuites) }
        return fetched
    }

    /// The kernel image package this machine's apt sources have now: the one
    /// `linux-image-amd64` depends on, in its `-unsigned` form when there is
    /// one (the same kernel without the Secure Boot signature).
    static func currentKernelPackage() -> String? {
        let depends = (try? runCommand(["apt-cache", "depends", "linux-image-amd64"])) ?? ""
        guard let line = depends.split(separator: "\n").first(where: { $0.contains("Depends: linux-image-") }),
            let name = line.split(separator: " ").last.map(String.init)
        else { return nil }
        let unsigned = name + "-unsigned"
        return (try? runCommand(["apt-cache", "show", "--no-all-versions", unsigned])) != nil ? unsigned : name
    }

    /// A package apt finds nowhere.
    struct PackageNotFound: Error, CustomStringConvertible {
        let package: String
        let suites: [String]
        var description: String {
            "\(package): no such package in this machine's apt sources nor in Debian \(suites.joined(separator: ", ")) (`apt-cache search linux-image` lists this machine's)"
        }
    }

    private static func debs(of package: String, in folder: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasPrefix(package + "_") && $0.hasSuffix(".deb") }.sorted().map { "\(folder)/\($0)" }
    }

    /// apt options that read the private sources list (written on first use)
    /// and keep indexes and caches in `folder`.
    private func privateOptions() throws -> [String] {
        let list = "\(folder)/sources.list"
        for sub in ["lists/partial", "cache/archives/partial"] {
            try FileManager.default.createDirectory(atPath: "\(folder)/\(sub)", withIntermediateDirectories: true)
        }
        let mirror = Self.mirror()
        let lines = Self.otherSuites.map { "deb [signed-by=\(Self.keyring)] \(mirror) \($0) main\n" }.joined()
        if (try? String(contentsOfFile: list, encoding: .utf8)) != lines {
            try lines.write(toFile: list, atomically: true, encoding: .utf8)
        }
        return [
            "-o", "Dir::Etc::sourcelist=\(list)", "-o", "Dir::Etc::sourceparts=-",
            "-o", "Dir::State::Lists=\(folder)/lists", "-o", "Dir::Cache=\(folder)/cache",
        ]
    }

    /// The Debian mirror this machine's own sources name (deb822 `URIs:` or a
    /// one-line `deb URI SUITE`), else deb.debian.org.
    static func mirror(sourcesFolder: String = "/etc/apt") -> String {
        var files = ["\(sourcesFolder)/sources.list"]
        let parts = "\(sourcesFolder)/sources.list.d"
        files += ((try? FileManager.default.contentsOfDirectory(atPath: parts)) ?? []).sorted()
            .filter { $0.hasSuffix(".sources") || $0.hasSuffix(".list") }.map { "\(parts)/\($0)" }
        for file in files {
            let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n") {
                let words = line.split(separator: " ").map(String.init)
                let uris = words.first == "URIs:" ? Array(words.dropFirst()) : words.first == "deb" ? words.filter { $0.contains("://") } : []
                if let uri = uris.first(where: { $0.hasSuffix("/debian") || $0.hasSuffix("/debian/") }) { return uri }
            }
        }
        return "http://deb.debian.org/debian"
    }
}
