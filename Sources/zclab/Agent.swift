import ArgumentParser
import Foundation
import ZclabCore

/// Internal: the child processes the runner starts inside namespaces.
struct Agent: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Internal: run as an agent of `zclab run` (configuration on standard input).",
        shouldDisplay: false)

    /// An agent of the run, or the features helper the topology calls.
    enum Role: ExpressibleByArgument, Equatable {
        case agent(AgentName)
        case features

        init?(argument: String) {
            if argument == "features" { self = .features } else if let name = AgentName(rawValue: argument) { self = .agent(name) } else { return nil }
        }
    }

    @Argument(help: "sender, receiver, capture, actor, copy, or features IFNAME.")
    var role: Role

    @Argument(help: "For features: the interface, then NAME=on|off changes to make before printing every feature as JSON.")
    var interface: String?

    @Argument(help: .hidden)
    var changes: [String] = []

    func run() throws {
        guard case .agent(let name) = role else {
            let interface = interface ?? "lo"
            let requested = try changes.map { change in
                let parts = change.split(separator: "=")
                guard parts.count == 2, ["on", "off"].contains(parts[1]) else {
                    throw ValidationError("a feature change is NAME=on or NAME=off, not \(change)")
                }
                return (name: String(parts[0]), on: parts[1] == "on")
            }
            if !requested.isEmpty { try InterfaceFeatures.set(interface, requested) }
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            print(String(decoding: try encoder.encode(InterfaceFeatures.read(interface)), as: UTF8.self))
            return
        }
        var channel = AgentChannel()
        // An agent never outlives its runner: a runner killed outright (SIGKILL)
        // takes its agents with it, and `zclab clean` removes the rest.
        guard AgentChannel.dieWithRunner() else { channel.fail("the runner is gone") }
        channel.send(.hello(pid: getpid()))
        name.role.start(on: &channel)
    }
}
