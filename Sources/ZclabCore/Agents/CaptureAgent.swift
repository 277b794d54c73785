#if canImport(Glibc)
import Glibc
#endif

/// The capturing actor: runs a `LiveCapture` in the namespace of the interface
/// it watches until the runner says stop, then reports libpcap's counters.
/// Runs as `zclab agent capture`.
public struct CaptureAgent {
    let config: CaptureConfig
    var channel: AgentChannel

    public init(config: CaptureConfig, channel: AgentChannel) {
        self.config = config
        self.channel = channel
    }

    public mutating func run() -> Never {
        let capture: LiveCapture
        do {
            capture = try LiveCapture(config)
        } catch {
            channel.fail(error.description)
        }
        channel.send(.captureReady(interface: config.interface))

        var commands = LineReader(FileDescriptor(rawValue: 0))
        var fds = [
            pollfd(fd: capture.selectableDescriptor, events: Int16(POLLIN), revents: 0),
            pollfd(fd: 0, events: Int16(POLLIN), revents: 0),
        ]
        var reported: UInt64 = 0
        while true {
            _ = Glibc.poll(&fds, 2, 20)
            capture.drain()
            if capture.payloadBytes != reported {
                // How far the transfer is on the wire: the trigger wire.bytes.
                reported = capture.payloadBytes
                channel.send(.progress(bytes: reported))
            }
            guard fds[1].revents != 0 else { continue }
            // A stop command, or the runner closing our input, ends the capture.
            let more = (try? commands.fill()) ?? false
            if !more || commands.bufferedLine() != nil { break }
        }
        channel.send(.done(AgentOutcome(steps: [], result: .capture(capture.finish()))))
        exit(0)
    }
}
