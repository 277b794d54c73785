#if canImport(Glibc)
import Glibc
#endif
import CZclabLinux

/// One step of a MSG_ZEROCOPY script: the calls of an experiment on
/// notification ids, readiness, running out of room, or reusing a buffer.
public enum ZerocopyStep: Codable, Sendable, Equatable, CustomStringConvertible {
    /// send(2) with MSG_ZEROCOPY of the next N bytes (0: a zero-length send).
    case send(UInt64)
    /// Sends of N bytes until one fails: how many and how much went, and the errno.
    case sendUntilError(UInt64)
    /// Reads the error queue: every completion waiting, or only one.
    case read(all: Bool)
    /// poll(2) and epoll_wait(2) of the socket without waiting, and SO_ERROR.
    case poll
    /// Overwrites the first N bytes of the last send's buffer (with the pattern
    /// of seed `ZerocopyStep.modifySeed`), right after the send returned.
    case modify(UInt64)
    /// Tells the runner (the trigger `sender.marked`) and goes on.
    case mark
    /// Waits, without reading, until a completion is queued: poll(2) reports
    /// POLLERR (at most 10 s).
    case wait
    /// Reads completions until every id sent so far is covered (at most 10 s).
    case complete
    /// shutdown(SHUT_WR): later sends fail.
    case shutdown

    /// The pattern seed of the bytes `modify` writes, so the wire check can name them "new".
    public static let modifySeed: UInt64 = 0x5EED

    public var description: String {
        switch self {
        case .send(let bytes): "send \(bytes)"
        case .sendUntilError(let bytes): "send_until_error \(bytes)"
        case .read(let all): all ? "read all" : "read one"
        case .poll: "poll"
        case .modify(let bytes): "modify \(bytes)"
        case .mark: "mark"
        case .wait: "wait"
        case .complete: "complete"
        case .shutdown: "shutdown"
        }
    }
}

/// What one step of a MSG_ZEROCOPY script gave.
public struct ZerocopyStepResult: Codable, Sendable, Equatable {
    public var step: String
    /// The call's return (bytes sent), or nil if it failed.
    public var returned: Int64?
    public var errno: String?
    /// read: the completions read, as "lo-hi" ranges (with "c" when copied).
    public var ranges: String?
    /// send_until_error: the sends that went before the failure.
    public var sends: Int?
    /// poll: revents, epoll events and SO_ERROR.
    public var poll: String?
    public var epoll: String?
    public var socketError: String?

    init(step: ZerocopyStep) { self.step = step.description }

    enum CodingKeys: String, CodingKey {
        case step, returned = "return", errno, ranges, sends, poll, epoll
        case socketError = "so_error"
    }
}

extension MsgZerocopyPath {
    /// Runs a MSG_ZEROCOPY script from a private copy of the file (so `modify`
    /// leaves the file alone), on the TCP connection or on a UDP socket to a
    /// UDP socket of the sender's own namespace.
    mutating func run(_ steps: [ZerocopyStep], _ transfer: Transfer, _ context: inout SendContext) throws(Errno) {
        let buffer = try PrivateCopy(of: transfer)
        defer { withExtendedLifetime(buffer) {} }  // sends refer to its pages until completed
        let size = buffer.count
        let socket: FileDescriptor
        switch options.socket {
        case .tcp: socket = transfer.socket
        case .udp, .udpSelf: socket = try SideSockets.udp(toItself: options.socket == .udpSelf, &context)
        case .unix: socket = try SideSockets.unix(&context)
        case .udpPeer, .udpPeerClosed:
            socket = try SideSockets.udpToPeer(of: transfer.socket, closed: options.socket == .udpPeerClosed, &context)
        case .raw: socket = try SideSockets.plain("AF_INET SOCK_RAW IPPROTO_UDP", AF_INET, Int32(SOCK_RAW.rawValue), Int32(IPPROTO_UDP), &context)
        case .packet: socket = try SideSockets.plain("AF_PACKET SOCK_DGRAM", AF_PACKET, Int32(SOCK_DGRAM.rawValue), 0, &context)
        }
        defer { if options.socket != .tcp { try? socket.close() } }
        if options.enable {
            // A socket that refuses SO_ZEROCOPY is a result, not the end of the script.
            do {
                try context.log.record("setsockopt", "SO_ZEROCOPY=1") { () throws(Errno) in
                    try TCPSocket(descriptor: socket).setOption(level: SOL_SOCKET, name: SO_ZEROCOPY, 1)
                    return 0
                }
                enableError = "none"
            } catch {
                enableError = error.name
            }
        }
        var position = 0
        var lastSend = 0 ..< 0
        var sends: UInt32 = 0
        var results: [ZerocopyStepResult] = []
        for step in steps {
            var result = ZerocopyStepResult(step: step)
            switch step {
            case .send(let bytes):
                let piece = buffer[position ..< min(size, position + Int(bytes))]
                do {
                    let moved = try context.log.record("send", "fd=\(socket.rawValue) len=\(piece.count) flags=MSG_ZEROCOPY") {
                        () throws(Errno) in try socket.send(piece, flags: Int32(MSG_ZEROCOPY))
                    }
                    result.returned = Int64(moved)
                    if moved > 0 { sends += 1 }
                    lastSend = position ..< position + moved
                    position += moved
                    context.sent += UInt64(moved)
                } catch {
                    result.errno = error.name
                }
            case .sendUntilError(let bytes):
                var count = 0
                while position < size {
                    let piece = buffer[position ..< min(size, position + Int(bytes))]
                    do {
                        let moved = try socket.send(piece, flags: Int32(MSG_ZEROCOPY | MSG_DONTWAIT))
                        count += 1
                        sends += 1
                        position += moved
                        context.sent += UInt64(moved)
                    } catch {
                        result.errno = error.name
                        break
                    }
                }
                result.sends = count
                result.returned = Int64(position)
                context.log.append(SyscallStep(
                    actor: "sender", call: "send", arguments: "until error: fd=\(socket.rawValue) len=\(bytes) flags=MSG_ZEROCOPY|MSG_DONTWAIT",
                    calls: count + (result.errno == nil ? 0 : 1), returned: Int64(position), returnMin: nil, returnMax: nil,
                    errno: result.errno, signal: nil, durationNs: 0))
            case .read(let all):
                let before = completions.notifications.count
                try completions.drain(socket, all: all)
                let read = completions.notifications[before...]
                result.ranges = ZerocopyScenarioModel.rangeText(read.map(ZerocopyCompletion.init))
                result.returned = Int64(read.count)
            case .poll:
                (result.poll, result.epoll) = try readiness(socket)
                result.returned = 0
                result.socketError = try socketError(socket)
            case .modify(let bytes):
                let range = lastSend.lowerBound ..< min(lastSend.upperBound, lastSend.lowerBound + Int(bytes))
                buffer.rewrite(range)
                result.returned = Int64(range.count)
                context.logModify(offset: range.lowerBound, length: range.count, "after send returned")
            case .mark:
                context.channel.send(.marked)
                result.returned = 0
            case .wait:
                var descriptor = pollfd(fd: socket.rawValue, events: 0, revents: 0)
                let ready = try syscall { Glibc.poll(&descriptor, 1, 10_000) }
                result.returned = Int64(ready)
                result.poll = PollEvents(rawValue: Int32(descriptor.revents)).description
            case .complete:
                try completions.awaitAll(sends, on: socket, nanoseconds: 10_000_000_000)
                result.returned = Int64(completions.coveredIDs)
            case .shutdown:
                do {
                    try context.log.record("shutdown", "fd=\(socket.rawValue) how=SHUT_WR") { () throws(Errno) in
                        _ = try syscall { Glibc.shutdown(socket.rawValue, Int32(SHUT_WR)) }
                        return 0
                    }
                    result.returned = 0
                } catch {
                    result.errno = error.name
                }
            }
            results.append(result)
        }
        self.sends = sends
        self.steps = results
    }

    /// poll(2) and epoll_wait(2) of `socket` with every readiness bit asked, not waiting.
    private func readiness(_ socket: FileDescriptor) throws(Errno) -> (String, String) {
        var descriptor = pollfd(fd: socket.rawValue, events: Int16(POLLIN | POLLOUT | POLLPRI), revents: 0)
        _ = try syscall { Glibc.poll(&descriptor, 1, 0) }
        let epoll = try syscall { zcl_epoll_revents(socket.rawValue) }
        return (PollEvents(rawValue: Int32(descriptor.revents)).description, PollEvents(rawValue: epoll).description)
    }

    /// getsockopt SO_ERROR: an errno name, or "none".
    private func socketError(_ socket: FileDescriptor) throws(Errno) -> String {
        let value = try TCPSocket(descriptor: socket).option(level: SOL_SOCKET, name: SO_ERROR)
        return value == 0 ? "none" : Errno(value).name
    }
}

/// poll(2) and epoll(7) readiness bits (the same values for the ones named here).
public struct PollEvents: OptionSet, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    static let names: [(Int32, String)] = [
        (Int32(POLLIN), "IN"), (Int32(POLLPRI), "PRI"), (Int32(POLLOUT), "OUT"), (Int32(POLLERR), "ERR"),
        (Int32(POLLHUP), "HUP"), (Int32(POLLNVAL), "NVAL"), (0x40, "RDNORM"), (0x100, "WRNORM"), (0x200, "WRBAND"), (0x2000, "RDHUP"),
    ]

    /// "IN|OUT|ERR", or "0".
    public var description: String {
        let named = Self.names.filter { rawValue & $0.0 != 0 }.map(\.1)
        return named.isEmpty ? "0" : named.joined(separator: "|")
    }
}
