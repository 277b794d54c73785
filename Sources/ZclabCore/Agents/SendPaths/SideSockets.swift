#if canImport(Glibc)
import Glibc
#endif

/// Sockets a send path makes beside the transfer's TCP connection, to see
/// what a zero-copy send does on another kind of socket: the MSG_ZEROCOPY
/// script's `socket:` and SEND_ZC's requests before the transfer. The ends
/// that only receive stay open in `context.keptOpen` for the sender's life.
enum SideSockets {
    /// A UDP socket bound to 127.0.0.1 in this namespace and connected to
    /// another such socket (left open and unread for the sender's life), or
    /// to itself, so that what it sends comes back as data to read.
    static func udp(toItself: Bool, _ context: inout SendContext) throws(Errno) -> FileDescriptor {
        let receiver = try context.log.record("socket", "AF_INET SOCK_DGRAM\(toItself ? "" : " (receiving end)")") { () throws(Errno) in
            try syscall { Glibc.socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        }
        let local = SocketAddress(host: "127.0.0.1", port: 0)
        _ = try local.withSockaddr { (pointer, length) throws(Errno) in try syscall { Glibc.bind(receiver, pointer, length) } }
        var bound = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = try withUnsafeMutablePointer(to: &bound) { (pointer) throws(Errno) in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { (raw) throws(Errno) in
                try syscall { Glibc.getsockname(receiver, raw, &length) }
            }
        }
        let target = SocketAddress(host: "127.0.0.1", port: UInt16(bigEndian: bound.sin_port))
        let sender = toItself ? receiver : try context.log.record("socket", "AF_INET SOCK_DGRAM") { () throws(Errno) in
            try syscall { Glibc.socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        }
        if !toItself { context.keptOpen.append(FileDescriptor(rawValue: receiver)) }
        try context.log.record("connect", "\(target) (UDP)") { () throws(Errno) in
            _ = try target.withSockaddr { (pointer, length) throws(Errno) in try syscall { Glibc.connect(sender, pointer, length) } }
            return 0
        }
        return FileDescriptor(rawValue: sender)
    }

    /// The port `udpToPeer` sends to when not the connection's: discard,
    /// where nothing listens in zclab's namespaces.
    static let closedPort: UInt16 = 9

    /// A UDP socket connected to the TCP connection's peer (across the
    /// link: the receiver's namespace): on the connection's own port, where
    /// the receiver binds a UDP sink (`ReceiverConfig.udpSink`), or on
    /// `closedPort`, where each datagram is dropped on arrival, before any
    /// socket gets it.
    static func udpToPeer(of connection: FileDescriptor, closed: Bool, _ context: inout SendContext) throws(Errno) -> FileDescriptor {
        var peer = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = try withUnsafeMutablePointer(to: &peer) { (pointer) throws(Errno) in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { (raw) throws(Errno) in
                try syscall { Glibc.getpeername(connection.rawValue, raw, &length) }
            }
        }
        let family = Int32(peer.ss_family)
        if closed { withUnsafeMutablePointer(to: &peer) { pointer in
            if family == AF_INET6 {
                pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_port = closedPort.bigEndian }
            } else {
                pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_port = closedPort.bigEndian }
            }
        } }
        let socket = try context.log.record("socket", "\(family == AF_INET6 ? "AF_INET6" : "AF_INET") SOCK_DGRAM (to the peer)") { () throws(Errno) in
            try syscall { Glibc.socket(family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        }
        try context.log.record("connect", closed ? "the TCP peer's address, UDP port \(closedPort) (nothing listens)" : "the TCP peer's address and port (UDP)") { () throws(Errno) in
            _ = try withUnsafePointer(to: &peer) { (pointer) throws(Errno) in
                try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { (raw) throws(Errno) in
                    try syscall { Glibc.connect(socket, raw, length) }
                }
            }
            return 0
        }
        return FileDescriptor(rawValue: socket)
    }

    /// A socket of `family`, `type` and `proto`, neither bound nor connected:
    /// for what setsockopt and send say on it.
    static func plain(_ what: String, _ family: Int32, _ type: Int32, _ proto: Int32, _ context: inout SendContext) throws(Errno) -> FileDescriptor {
        let descriptor = try context.log.record("socket", what) { () throws(Errno) in
            try syscall { Glibc.socket(family, type | Int32(SOCK_CLOEXEC.rawValue), proto) }
        }
        return FileDescriptor(rawValue: descriptor)
    }

    /// One end of an AF_UNIX stream socketpair (the other is kept open, unread).
    static func unix(_ context: inout SendContext) throws(Errno) -> FileDescriptor {
        var pair: [Int32] = [-1, -1]
        try context.log.record("socketpair", "AF_UNIX SOCK_STREAM") { () throws(Errno) in
            try syscall { Glibc.socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) }
        }
        context.keptOpen.append(FileDescriptor(rawValue: pair[1]))
        return FileDescriptor(rawValue: pair[0])
    }
}
