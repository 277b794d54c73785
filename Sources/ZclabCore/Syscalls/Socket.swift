import CZclabLinux
#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 or IPv6 socket address.
public struct SocketAddress: Sendable, Hashable, CustomStringConvertible {
    public let host: String
    public let port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    public var isIPv6: Bool { host.contains(":") }
    public var description: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Calls `body` with this address as a `sockaddr`; throws EINVAL for a bad host.
    func withSockaddr<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws(Errno) -> T) throws(Errno) -> T {
        if isIPv6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            guard inet_pton(AF_INET6, host, &address.sin6_addr) == 1 else { throw Errno(EINVAL) }
            return try withUnsafePointer(to: &address) { (pointer) throws(Errno) -> T in
                try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { (raw) throws(Errno) -> T in
                    try body(raw, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { throw Errno(EINVAL) }
        return try withUnsafePointer(to: &address) { (pointer) throws(Errno) -> T in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { (raw) throws(Errno) -> T in
                try body(raw, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
    }
}

/// What TCP and UDP sockets share: thin wrappers around setsockopt(2),
/// getsockopt(2), bind(2) and connect(2) on the socket's descriptor.
public protocol InternetSocket: Sendable {
    var descriptor: FileDescriptor { get }
}

extension InternetSocket {
    /// setsockopt(2) with an Int32 value.
    public func setOption(level: Int32, name: Int32, _ value: Int32) throws(Errno) {
        var value = value
        _ = try syscall {
            Glibc.setsockopt(descriptor.rawValue, level, name, &value, socklen_t(MemoryLayout<Int32>.size))
        }
    }

    /// getsockopt(2) of an Int32 value.
    public func option(level: Int32, name: Int32) throws(Errno) -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        _ = try syscall { Glibc.getsockopt(descriptor.rawValue, level, name, &value, &length) }
        return value
    }

    /// bind(2).
    public func bind(to address: SocketAddress) throws(Errno) {
        let fd = descriptor.rawValue
        _ = try address.withSockaddr { (pointer, length) throws(Errno) in
            try syscall { Glibc.bind(fd, pointer, length) }
        }
    }

    /// connect(2).
    public func connect(to address: SocketAddress) throws(Errno) {
        let fd = descriptor.rawValue
        _ = try address.withSockaddr { (pointer, length) throws(Errno) in
            try syscall { Glibc.connect(fd, pointer, length) }
        }
    }

    /// socket(2) of `type`, close-on-exec, for the family of `address`.
    static func open(_ type: __socket_type, for address: SocketAddress) throws(Errno) -> FileDescriptor {
        let family = address.isIPv6 ? AF_INET6 : AF_INET
        return FileDescriptor(rawValue: try syscall { Glibc.socket(family, Int32(type.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) })
    }
}

/// A TCP socket: socket(2), listen(2), accept4(2) and shutdown(2) beside
/// what every socket has.
public struct TCPSocket: InternetSocket {
    public let descriptor: FileDescriptor

    /// socket(2), SOCK_STREAM, close-on-exec, for the family of `address`.
    public init(for address: SocketAddress) throws(Errno) {
        descriptor = try Self.open(SOCK_STREAM, for: address)
    }

    init(descriptor: FileDescriptor) { self.descriptor = descriptor }

    /// bind(2) with SO_REUSEADDR, then listen(2).
    public func listen(on address: SocketAddress, backlog: Int32 = 8) throws(Errno) {
        try setOption(level: SOL_SOCKET, name: SO_REUSEADDR, 1)
        try bind(to: address)
        _ = try syscall { Glibc.listen(descriptor.rawValue, backlog) }
    }

    /// accept4(2), close-on-exec.
    public func accept() throws(Errno) -> TCPSocket {
        let fd = try syscall { zcl_accept_cloexec(descriptor.rawValue) }
        return TCPSocket(descriptor: FileDescriptor(rawValue: fd))
    }

    /// shutdown(2) of the sending side.
    public func shutdownWrite() throws(Errno) {
        _ = try syscall { Glibc.shutdown(descriptor.rawValue, Int32(SHUT_WR)) }
    }
}

/// A UDP socket: SOCK_DGRAM, and recv(2) of one datagram.
public struct UDPSocket: InternetSocket {
    public let descriptor: FileDescriptor

    /// socket(2), SOCK_DGRAM, close-on-exec, for the family of `address`.
    public init(for address: SocketAddress) throws(Errno) {
        descriptor = try Self.open(SOCK_DGRAM, for: address)
    }

    /// recv(2) of the next datagram into `buffer` (MSG_TRUNC: the result is
    /// the datagram's whole length, even if `buffer` held less of it).
    public func receive(into buffer: UnsafeMutableRawBufferPointer, waiting: Bool = true) throws(Errno) -> Int {
        let flags = Int32(MSG_TRUNC) | (waiting ? 0 : Int32(MSG_DONTWAIT))
        return try syscall { Glibc.recv(descriptor.rawValue, buffer.baseAddress, buffer.count, flags) }
    }
}
