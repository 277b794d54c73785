import Foundation

/// Where zclab's own files are: the shipped scenarios, the claims file, and
/// the folder runs write to. Found from the executable's own path, so the
/// same binary works from a checkout's `.build/`, installed under a prefix
/// (`scripts/install`), and from any working directory.
public struct Installation: Sendable, Equatable {
    /// How this executable was found to be laid out.
    public enum Layout: Sendable, Equatable {
        /// Built in a checkout: `ROOT/.build/.../zclab` with `ROOT/Package.swift`.
        case checkout(root: String)
        /// Installed: `PREFIX/bin/zclab` with `PREFIX/share/zclab/scenarios`.
        case installed(prefix: String)
    }

    public let layout: Layout

    /// The shipped scenarios: `ROOT/scenarios` or `PREFIX/share/zclab/scenarios`.
    public var scenarios: String {
        switch layout {
        case .checkout(let root): "\(root)/scenarios"
        case .installed(let prefix): "\(prefix)/share/zclab/scenarios"
        }
    }

    /// The seed articles' claims: `ROOT/docs/claims.yaml` or `PREFIX/share/doc/zclab/claims.yaml`.
    public var claims: String {
        switch layout {
        case .checkout(let root): "\(root)/docs/claims.yaml"
        case .installed(let prefix): "\(prefix)/share/doc/zclab/claims.yaml"
        }
    }

    /// The folder that holds one folder per run: the checkout's `captures/`,
    /// or for an installed zclab `$XDG_STATE_HOME/zclab/runs` (by default
    /// `~/.local/state/zclab/runs`), so that runs from any working directory
    /// land in one place that `zclab prune` cleans.
    public func runsFolder(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        switch layout {
        case .checkout(let root):
            return "\(root)/captures"
        case .installed:
            if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") { return "\(state)/zclab/runs" }
            let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
            return "\(home)/.local/state/zclab/runs"
        }
    }

    /// The layout around `executable` (an absolute path, symlinks resolved):
    /// the nearest ancestor folder that is a checkout (Package.swift and
    /// scenarios/) or an install prefix (share/zclab/scenarios); nil when
    /// neither is found.
    public static func locate(executable: String, fileExists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }) -> Installation? {
        var folder = (executable as NSString).deletingLastPathComponent
        while folder.count > 1 {
            if fileExists("\(folder)/share/zclab/scenarios") { return Installation(layout: .installed(prefix: folder)) }
            if fileExists("\(folder)/Package.swift") && fileExists("\(folder)/scenarios") {
                return Installation(layout: .checkout(root: folder))
            }
            folder = (folder as NSString).deletingLastPathComponent
        }
        return nil
    }

    /// The running zclab's installation, or nil when its files are not found.
    public static var current: Installation? {
        guard let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
        return locate(executable: executable)
    }
}
