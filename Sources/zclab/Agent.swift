import ArgumentParser
import Foundation
import ZclabCore

/// Internal: the child processes the runner starts inside namespaces.
struct Agent: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Internal: run as an agent of `zclab run` (configuration on standard input).",
        shouldDisplay: false)

    /// An agent of the run, or a one-shot helper: the features helper the
    /// topology calls, the io_uring probe a peer's sender is checked with.
    enum Role: ExpressibleByArgument, Equatable {
        case agent(AgentName)
        case features
        case uringProbe
        case zcrxProbe

        init?(argument: String) {
            switch argument {
            case "features": self = .features
            case "uring-probe": self = .uringProbe
            case "zcrx-probe": self = .zcrxProbe
            default:
                guard let name = AgentName(rawValue: argument) else { return nil }
                self = .agent(name)
            }
        }
    }

    @Argument(help: "sender, receiver, capture, actor, copy, features IFNAME, uring-probe REQUESTS, or zcrx-probe IFNAME.")
    var role: Role

    @Argument(help: "For features: the interface, then NAME=on|off changes to make before printing every feature as JSON. For uring-probe: the requests as JSON.")
    var interface: String?

    @Argument(help: .hidden)
    var changes: [String] = []

    func run() throws {
        if role == .uringProbe {
            // Prints why the requests cannot be made on this kernel; nothing when they can.
            let requests = try JSONDecoder().decode([IoUringRing.Request].self, from: Data((interface ?? "[]").utf8))
            print(IoUringRing.problem(with: requests) ?? "")
            return
        }
        if role == .zcrxProbe {
            // Prints what io_uring zero-copy receive lacks on the interface here; nothing when a queue registers.
            print(ZcrxProbe.missing(interface: interface ?? "lo") ?? "")
            return
        }
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
