#if canImport(Glibc)
import Glibc
#endif

/// What the receiver agent does as a client of a program under test.
public struct ClientConfig: Codable, Sendable {
    /// The program's address and port.
    public var host: String
    public var port: UInt16
    /// Bytes to write once connected.
    public var request: String
    /// Read an HTTP/1.x status line and headers before the body.
    public var http: Bool
    /// Ask again on a new connection after the response.
    public var again: Bool
    /// Seconds without a byte before giving up on the response.
    public var idleTimeout: Double
    /// Seconds to keep trying to connect while the program starts.
    public var connectTimeout: Double

    enum CodingKeys: String, CodingKey {
        case host, port, request, http, again
        case idleTimeout = "idle_timeout", connectTimeout = "connect_timeout"
    }
}

/// What the client saw of the program's response.
public struct ClientReport: Codable, Sendable, Equatable {
    /// The HTTP status, or nil when not HTTP or no status line came.
    public var status: Int?
    /// The Content-Length header, if any.
    public var contentLength: UInt64?
    /// The status line and headers as received, through the blank line.
    public var header: String
    /// How the response ended: `complete` (Content-Length reached), `eof`
    /// (the program closed first), `reset` (ECONNRESET) or `timeout`.
    public var end: String
    /// The second request's status, and the body bytes it got.
    public var againStatus: Int?
    public var againBytes: UInt64?
    public var connectAttempts: Int
    /// The client's own port on the first connection, to find it in a capture.
    public var localPort: UInt16

    enum CodingKeys: String, CodingKey {
        case status, header, end
        case localPort = "local_port"
        case contentLength = "content_length", againStatus = "again_status", againBytes = "again_bytes"
        case connectAttempts = "connect_attempts"
    }
}

/// How a read loop stopped.
enum StreamEnd: String {
    case complete, eof, reset, timeout
}

extension ReceiverAgent {
    /// Connects to the program, asks, reads the response (the body checked
    /// against the file, pausing as configured), and asks again if told to.
    mutating func runClient(_ client: ClientConfig) -> Never {
        do {
            var attempts = 0
            let socket = try connect(client, attempts: &attempts)
            let localPort = Self.localPort(of: socket)
            channel.send(.connected)
            try ask(client, on: socket)
            let (header, leftover) = client.http ? try readHeader(socket) : ("", [])
            let length = client.http ? Self.contentLength(header) : nil
            let (check, end) = try receive(from: socket, leading: leftover, limit: length)
            try? socket.close()
            var report = ClientReport(
                status: client.http ? Self.status(header) : nil, contentLength: length, header: header, end: end.rawValue,
                connectAttempts: attempts, localPort: localPort)
            if client.again { (report.againStatus, report.againBytes) = askAgain(client) }
            channel.send(.done(AgentOutcome(steps: log.steps, result: .receiver(check, client: report))))
            exit(0)
        } catch {
            channel.fail("client: \(error)")
        }
    }

    /// connect(2), again every 50 ms while it is refused and time remains.
    private mutating func connect(_ client: ClientConfig, attempts: inout Int) throws(Errno) -> FileDescriptor {
        let target = SocketAddress(host: client.host, port: client.port)
        let deadline = monotonicNanoseconds() + UInt64(client.connectTimeout * 1e9)
        while true {
            attempts += 1
            let socket = try TCPSocket(for: target)
            if let size = config.receiveBuffer { try socket.setOption(level: SOL_SOCKET, name: SO_RCVBUF, size) }
            var timeout = timeval(tv_sec: Int(client.idleTimeout), tv_usec: Int((client.idleTimeout - client.idleTimeout.rounded(.down)) * 1e6))
            _ = setsockopt(socket.descriptor.rawValue, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            do {
                try log.record("connect", "\(target)") { () throws(Errno) in
                    try socket.connect(to: target)
                    return 0
                }
                return socket.descriptor
            } catch let error where error == Errno(ECONNREFUSED) && monotonicNanoseconds() < deadline {
                try? socket.descriptor.close()
                usleep(50_000)
            }
        }
    }

    private mutating func ask(_ client: ClientConfig, on socket: FileDescriptor) throws(Errno) {
        let request = UnsafeMutableRawBufferPointer.allocate(byteCount: client.request.utf8.count, alignment: 1)
        defer { request.deallocate() }
        _ = request.initializeMemory(as: UInt8.self, from: client.request.utf8)
        try log.record("write", "fd=\(socket.rawValue) len=\(request.count) (request)") { () throws(Errno) in
            try socket.writeAll(UnsafeRawBufferPointer(request))
            return request.count
        }
    }

    /// Reads until the blank line that ends HTTP headers (at most 64 KiB);
    /// returns the header text and the body bytes read past it.
    private mutating func readHeader(_ socket: FileDescriptor) throws(Errno) -> (String, [UInt8]) {
        var bytes: [UInt8] = []
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
        defer { chunk.deallocate() }
        while bytes.count < 64 << 10 {
            let count = try log.record("read", "fd=\(socket.rawValue) count=4096 (header)") { () throws(Errno) in
                try socket.read(into: chunk)
            }
            if count == 0 { break }
            bytes += chunk.prefix(count)
            if let end = Self.headerEnd(bytes) {
                return (String(decoding: bytes[..<end], as: UTF8.self), Array(bytes[end...]))
            }
        }
        return (String(decoding: bytes, as: UTF8.self), [])
    }

    /// The second request: its status and how many body bytes came.
    private mutating func askAgain(_ client: ClientConfig) -> (Int?, UInt64?) {
        var attempts = 0
        var quick = client
        quick.connectTimeout = 1
        guard let socket = try? connect(quick, attempts: &attempts), (try? ask(client, on: socket)) != nil,
            let (header, leftover) = try? readHeader(socket)
        else { return (nil, nil) }
        defer { try? socket.close() }
        var bytes = UInt64(leftover.count)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 << 10, alignment: 4096)
        defer { buffer.deallocate() }
        while let count = try? socket.read(into: buffer), count > 0 {
            bytes += UInt64(count)
        }
        return (Self.status(header), bytes)
    }

    /// getsockname(2)'s port.
    static func localPort(of socket: FileDescriptor) -> UInt16 {
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket.rawValue, $0, &length) == 0 }
        }
        guard ok else { return 0 }
        return withUnsafeBytes(of: &address) { UInt16(bigEndian: $0.loadUnaligned(fromByteOffset: 2, as: UInt16.self)) }
    }

    /// Where the body starts: just past "\r\n\r\n".
    static func headerEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 3 ..< bytes.count where bytes[index - 3] == 13 && bytes[index - 2] == 10 && bytes[index - 1] == 13 && bytes[index] == 10 {
            return index + 1
        }
        return nil
    }

    /// The status code of "HTTP/1.1 200 OK".
    static func status(_ header: String) -> Int? {
        let words = header.prefix { !$0.isNewline }.split(separator: " ")
        return words.count >= 2 && words[0].hasPrefix("HTTP/") ? Int(words[1]) : nil
    }

    /// The Content-Length header's value.
    static func contentLength(_ header: String) -> UInt64? {
        for line in header.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "content-length" {
                return UInt64(String(parts[1].filter { !$0.isWhitespace }))
            }
        }
        return nil
    }
}
