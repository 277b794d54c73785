import Foundation

/// Where a process of a scenario runs: in a namespace zclab created, in
/// zclab's own network namespace (two-host mode's local side), or on a
/// second host reached with ssh (a guest zclab booted, or a lab host).
public enum Place: Codable, Sendable, Equatable, CustomStringConvertible {
    case namespace(String)
    /// Where zclab itself runs: only in two-host mode, on the interface the user named.
    case current
    case peer(SSHRoute)

    /// The command line that runs `arguments` here.
    public func command(_ arguments: [String]) -> [String] {
        switch self {
        case .namespace(let name): ["ip", "netns", "exec", name] + arguments
        case .current: arguments
        case .peer(let route): route.command(arguments)
        }
    }

    /// The command line that runs `zclab ARGUMENTS` here: `executable` on
    /// this machine, the copy the route names on a peer.
    public func zclab(_ arguments: [String], executable: String) -> [String] {
        switch self {
        case .namespace, .current: command([executable] + arguments)
        case .peer(let route): route.command([route.zclab] + arguments)
        }
    }

    /// The peer's route, when this place is on one.
    public var route: SSHRoute? { if case .peer(let route) = self { route } else { nil } }

    public var description: String {
        switch self {
        case .namespace(let name): name
        case .current: "this namespace"
        case .peer(let route): route.destination
        }
    }
}

/// How to reach a second host: the ssh client's destination and options, the
/// namespace it must run in (a guest's tap lives in one), and where zclab's
/// executable and files are on the peer.
public struct SSHRoute: Codable, Sendable, Equatable {
    /// `[user@]host`.
    public var destination: String
    public var port: Int?
    /// `-o` options, `Name=value`.
    public var options: [String]
    /// The namespace the ssh client runs in; nil: zclab's own.
    public var namespace: String?
    /// zclab's executable on the peer.
    public var zclab: String
    /// The peer folder the run's files go to (test files, captures), removed at the end.
    public var folder: String

    public init(destination: String, port: Int? = nil, options: [String], namespace: String?, zclab: String, folder: String) {
        self.destination = destination
        self.port = port
        self.options = options
        self.namespace = namespace
        self.zclab = zclab
        self.folder = folder
    }

    /// Options every connection gets: no questions, no terminal, a dead peer
    /// noticed, and a connection of its own (never a shared ControlMaster's,
    /// whose session would outlive this process and keep the agent alive).
    static let fixedOptions = [
        "BatchMode=yes", "ConnectTimeout=15", "ServerAliveInterval=5", "ServerAliveCountMax=6", "LogLevel=ERROR",
        "ControlMaster=no", "ControlPath=none",
    ]

    /// The local command line that runs `arguments` on the peer. The remote
    /// shell `exec`s the command, so it is the ssh session's own child: when
    /// the connection goes (the run ended or was killed), the agent's
    /// parent-death signal ends it.
    public func command(_ arguments: [String]) -> [String] {
        var ssh = ["ssh", "-T"] + (options + Self.fixedOptions).flatMap { ["-o", $0] }
        if let port { ssh += ["-p", "\(port)"] }
        ssh += [destination, "--", "exec " + arguments.map(shellQuoted).joined(separator: " ")]
        guard let namespace else { return ssh }
        return ["ip", "netns", "exec", namespace] + ssh
    }

    /// Runs `arguments` on the peer and returns its output.
    @discardableResult
    public func run(_ arguments: [String]) throws -> String { try runCommand(command(arguments)) }

    /// Copies the peer's `path` to this machine's `local` (replaced).
    func fetch(_ path: String, to local: String) throws {
        let child = try ChildProcess(command(["cat", path]), outputPath: local)
        let ended = child.wait()
        guard ended == .exited(0) else { throw ScenarioFailure("copying \(destination):\(path) to \(local): ssh \(ended)") }
    }

    /// Writes the contents of this machine's `local` to the peer's `path`
    /// (made executable when `executable`, as zclab's own copy is).
    func upload(_ local: String, to path: String, executable: Bool) throws {
        guard let contents = FileManager.default.contents(atPath: local) else { throw ScenarioFailure("reading \(local)") }
        let script = executable ? "cat > \"$1\" && chmod 755 \"$1\"" : "cat > \"$1\""
        try runCommand(command(["sh", "-c", script, "sh", path]), input: contents)
    }
}
