/// An agent: a child process of `zclab` that acts inside a namespace. It is
/// made from the configuration the runner writes as its first line of input,
/// and reports on its channel until it exits.
public protocol AgentRole {
    /// What the runner writes to it; the type the runner must give `AgentProcess`.
    associatedtype Config: Codable
    /// Its name on the command line: `zclab agent NAME`.
    static var name: AgentName { get }
    /// The names its own calls have in the log (`ACTOR.CALL.*` keys); the
    /// sender's send path adds its own (`SendPath.syscalls`).
    static var syscalls: [String] { get }
    init(config: Config, channel: AgentChannel)
    /// Does the agent's work, reports `done` (or `failed`) and exits.
    mutating func run() -> Never
}

/// The agents `zclab agent` starts, by the name the runner gives it.
public enum AgentName: String, CaseIterable, Sendable {
    case sender, receiver, capture, actor, copy, pipe

    /// The agent of this name.
    public var role: any AgentRole.Type {
        switch self {
        case .sender: SenderAgent.self
        case .receiver: ReceiverAgent.self
        case .capture: CaptureAgent.self
        case .actor: ActorAgent.self
        case .copy: CopyAgent.self
        case .pipe: PipeAgent.self
        }
    }
}

extension AgentRole {
    /// Reads the configuration from the channel and runs the agent.
    public static func start(on channel: inout AgentChannel) -> Never {
        let config: Config
        do {
            guard let received = try channel.receive(Config.self) else { channel.fail("no configuration") }
            config = received
        } catch {
            channel.fail("bad configuration: \(error)")
        }
        var agent = Self(config: config, channel: channel)
        agent.run()
    }
}

extension SenderAgent: AgentRole {
    public static let name = AgentName.sender
    /// Connect, the lease, the header and its cork, shutdown: what every send path shares.
    public static let syscalls = ["connect", "setsockopt", "open", "capset", "fcntl_setsig", "fcntl_setlease", "dup", "fcntl_getsig", "pread", "send", "shutdown"]
}
extension ReceiverAgent: AgentRole {
    public static let name = AgentName.receiver
    /// A receiver accepts and reads; as a program's client it connects, writes its request and reads;
    /// over UDP (and for a UDP sink) it makes its socket, sizes its buffer, binds and receives;
    /// and each receive method makes its own calls.
    public static let syscalls: [String] = ReceiveMethod.allCases.flatMap(\.syscalls).reduce(
        ["accept", "read", "connect", "write", "socket", "setsockopt", "bind", "recv"]) { names, name in names.contains(name) ? names : names + [name] }
}
extension CaptureAgent: AgentRole {
    public static let name = AgentName.capture
    public static let syscalls: [String] = []
}
extension ActorAgent: AgentRole {
    public static let name = AgentName.actor
    public static let syscalls = ["truncate", "ftruncate", "open", "pwrite"]
}
extension CopyAgent: AgentRole {
    public static let name = AgentName.copy
    public static let syscalls = ["sendfile", "copy_file_range"]
}
extension PipeAgent: AgentRole {
    public static let name = AgentName.pipe
    /// fcntl is F_GETPIPE_SZ (a fill), ioctl FIONREAD (a drain).
    public static let syscalls = ["open", "splice", "vmsplice", "write", "read", "tee", "fcntl", "ioctl"]
}
