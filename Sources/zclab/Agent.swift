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
        // An agent never outlives its runner: a runner killed outright (SIGKILL)
        // takes its agents with it, and `zclab clean` removes the rest.
        guard AgentChannel.dieWithRunner() else { channel.fail("the runner is gone") }
        var hello = AgentEvent(.hello)
        hello.pid = getpid()
        channel.send(hello)
        switch role {
        case .sender: SenderAgent.start(on: &channel)
        case .receiver: ReceiverAgent.start(on: &channel)
        case .capture: CaptureAgent.start(on: &channel)
        case .actor: ActorAgent.start(on: &channel)
        case .copy: CopyAgent.start(on: &channel)
        case .features: return
        }
    }
}
