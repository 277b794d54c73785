/// An agent: a child process of `zclab` that acts inside a namespace. It is
/// made from the configuration the runner writes as its first line of input,
/// and reports on its channel until it exits.
public protocol AgentRole {
    associatedtype Config: Decodable
    init(config: Config, channel: AgentChannel)
    /// Does the agent's work, reports `done` (or `failed`) and exits.
    mutating func run() -> Never
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

extension SenderAgent: AgentRole {}
extension ReceiverAgent: AgentRole {}
extension CaptureAgent: AgentRole {}
extension ActorAgent: AgentRole {}
extension CopyAgent: AgentRole {}
