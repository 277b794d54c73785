import ArgumentParser
import Foundation
import ZclabCore

/// Internal: the child processes the runner starts inside namespaces.
struct Agent: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Internal: run as an agent of `zclab run` (configuration on standard input).",
        shouldDisplay: false)

    enum Role: String, ExpressibleByArgument, CaseIterable {
        case sender, receiver, capture, actor, copy, features
    }

    @Argument(help: "sender, receiver, capture, actor, copy, or features IFNAME.")
    var role: Role

    @Argument(help: "For features: the interface.")
    var interface: String?

    func run() throws {
        var channel = AgentChannel()
        if role == .features {
            print(try InterfaceFeatures.read(interface ?? "lo"), terminator: "")
            return
        }
        var hello = AgentEvent(.hello)
        hello.pid = getpid()
        channel.send(hello)
        do {
            switch role {
            case .sender:
                guard let config = try channel.receive(SenderConfig.self) else { channel.fail("no configuration") }
                var agent = SenderAgent(config: config, channel: channel)
                agent.run()
            case .receiver:
                guard let config = try channel.receive(ReceiverConfig.self) else { channel.fail("no configuration") }
                var agent = ReceiverAgent(config: config, channel: channel)
                agent.run()
            case .capture:
                guard let config = try channel.receive(CaptureConfig.self) else { channel.fail("no configuration") }
                var agent = CaptureAgent(config: config, channel: channel)
                agent.run()
            case .actor:
                guard let config = try channel.receive(ActorConfig.self) else { channel.fail("no configuration") }
                var agent = ActorAgent(config: config, channel: channel)
                agent.run()
            case .copy:
                guard let config = try channel.receive(CopyConfig.self) else { channel.fail("no configuration") }
                var agent = CopyAgent(config: config, channel: channel)
                agent.run()
            case .features:
                break
            }
        } catch {
            channel.fail("\(role.rawValue): bad configuration: \(error)")
        }
    }
}
