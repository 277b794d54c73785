import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The receiver with `transport: udp`: binds a UDP socket where a TCP
/// receiver would listen, and reads datagrams, each placed in the expected
/// stream by its own bytes (`DatagramStream`), until the runner says the
/// sender made its last call and nothing more has come for `settle`.
extension ReceiverAgent {
    /// Quiet time after the sender's last call before the receiver stops:
    /// a datagram still on the way over veth arrives within it.
    static let settleMilliseconds: Int32 = 100
    /// The most one datagram carries over IPv4 or IPv6 without jumbograms.
    static let largestDatagram = 65535

    mutating func receiveDatagrams() -> Never {
        do {
            let address = SocketAddress(host: config.host, port: config.port)
            let family = address.isIPv6 ? "AF_INET6" : "AF_INET"
            let socket = try log.record("socket", "\(family) SOCK_DGRAM", returnValue: { Int64($0.descriptor.rawValue) }) { () throws(Errno) in
                try UDPSocket(for: address)
            }
            // Room for the whole transfer: a datagram dropped for want of
            // buffer would be a loss zclab made, not the kernel's send path.
            let size = config.receiveBuffer ?? Int32(min(max(config.expected.size * 4, 4 << 20), 1 << 30))
            try log.record("setsockopt", "SO_RCVBUFFORCE=\(size)") { () throws(Errno) in
                try socket.setOption(level: SOL_SOCKET, name: SO_RCVBUFFORCE, size)
                return 0
            }
            try log.record("bind", "\(address) (UDP)") { () throws(Errno) in
                try socket.bind(to: address)
                return 0
            }
            channel.send(.listening(port: config.port))
            let check = try read(socket)
            channel.send(.done(AgentOutcome(steps: log.steps, result: .receiver(check, client: nil))))
            exit(0)
        } catch {
            channel.fail("receiver: \(error)")
        }
    }

    /// Reads datagrams until the sender is done and the socket stays quiet.
    private mutating func read(_ socket: UDPSocket) throws(Errno) -> StreamCheck {
        let content = config.content
        let verifier = StreamVerifier(expected: content)
        let stream = DatagramStream(sink: verifier, content: content, pieces: config.pieces)
        let countersBefore = UDPDrops.counters()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.largestDatagram, alignment: 4096)
        defer { buffer.deallocate() }
        var senderDone = false
        var received: UInt64 = 0
        var lastProgress = monotonicNanoseconds()
        while true {
            var fds = [pollfd(fd: socket.descriptor.rawValue, events: Int16(POLLIN), revents: 0)]
            if !senderDone { fds.append(pollfd(fd: 0, events: Int16(POLLIN), revents: 0)) }
            let ready = Glibc.poll(&fds, nfds_t(fds.count), senderDone ? Self.settleMilliseconds : -1)
            if ready < 0 && errno == EINTR { continue }
            if ready == 0 { break }  // the sender is done and nothing came for the settle time
            if fds[0].revents != 0 {
                while true {
                    let count: Int
                    do {
                        count = try log.record("recv", "fd=\(socket.descriptor.rawValue) len=\(buffer.count) MSG_DONTWAIT") { () throws(Errno) in
                            try socket.receive(into: buffer, waiting: false)
                        }
                    } catch .wouldBlock {
                        break
                    }
                    stream.receive(UnsafeRawBufferPointer(rebasing: buffer[0 ..< min(count, buffer.count)]))
                    received += UInt64(count)
                }
                if monotonicNanoseconds() - lastProgress > 200_000_000 {
                    lastProgress = monotonicNanoseconds()
                    channel.send(.progress(bytes: received))
                }
            }
            if fds.count > 1, fds[1].revents != 0 {
                guard let command = try? channel.receive(AgentCommand.self) else { channel.fail("receiver: the runner went away") }
                senderDone = command.kind == .senderDone
            }
        }
        var check = verifier.finish().streamCheck
        check.datagrams = stream.tally
        check.udpDrops = UDPDrops(from: countersBefore, to: UDPDrops.counters())
        return check
    }
}

/// Datagrams the receiver's namespace dropped on arrival while it read, by
/// cause: the deltas of /proc/net/snmp counters (the namespace's own). Why
/// a datagram on the wire never reached the socket.
public struct UDPDrops: Codable, Sendable, Equatable {
    /// Udp InCsumErrors: the UDP checksum did not verify.
    public var checksumErrors: Int64
    /// Udp RcvbufErrors: the socket's buffer was full.
    public var bufferErrors: Int64
    /// Ip ReasmFails: fragments that never made a whole datagram.
    public var reassemblyFailures: Int64

    enum CodingKeys: String, CodingKey {
        case checksumErrors = "checksum_errors", bufferErrors = "buffer_errors", reassemblyFailures = "reassembly_failures"
    }

    static let counterNames = ["Udp InCsumErrors", "Udp RcvbufErrors", "Ip ReasmFails"]

    init?(from before: [String: Int64], to after: [String: Int64]) {
        let deltas = Self.counterNames.map { name in after[name].flatMap { value in before[name].map { value - $0 } } }
        guard let checksum = deltas[0], let buffer = deltas[1], let reassembly = deltas[2] else { return nil }
        (checksumErrors, bufferErrors, reassemblyFailures) = (checksum, buffer, reassembly)
    }

    /// Every counter of /proc/net/snmp as "Group Name" (empty if unreadable):
    /// each group is a line of names followed by a line of values.
    static func counters() -> [String: Int64] {
        guard let text = try? String(contentsOfFile: "/proc/net/snmp", encoding: .utf8) else { return [:] }
        var counters: [String: Int64] = [:]
        let lines = text.split(separator: "\n").map { $0.split(separator: " ") }
        for (names, values) in zip(lines, lines.dropFirst()) where names.first == values.first && names.count == values.count {
            let group = names[0].dropLast()  // "Udp:"
            for (name, value) in zip(names.dropFirst(), values.dropFirst()) {
                if let number = Int64(value) { counters["\(group) \(name)"] = number }
            }
        }
        return counters
    }
}
