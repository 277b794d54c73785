#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import ZclabCore

/// The MSG_ZEROCOPY error-queue reader on real sockets: a UDP socket on the
/// machine's own loopback sending to itself, no namespace and no privilege.
@Suite("MSG_ZEROCOPY error queue")
struct ErrorQueueTests {
    /// A UDP socket bound to 127.0.0.1 and connected to itself, with SO_ZEROCOPY.
    func selfConnectedSocket() throws -> FileDescriptor {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        try #require(fd >= 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0 && connect(fd, raw, length) == 0
            }
        }
        try #require(bound)
        try TCPSocket(descriptor: FileDescriptor(rawValue: fd)).setOption(level: SOL_SOCKET, name: SO_ZEROCOPY, 1)
        return FileDescriptor(rawValue: fd)
    }

    @Test func completionsAreReadAsIdRangesWithTheirCode() throws {
        let socket = try selfConnectedSocket()
        defer { try? socket.close() }
        let payload = [UInt8](repeating: 7, count: 1000)
        for _ in 0 ..< 3 {
            _ = try payload.withUnsafeBytes { (bytes) throws(Errno) in try socket.send(bytes, flags: Int32(MSG_ZEROCOPY)) }
        }
        var notifications: [ZerocopyNotification] = []
        for _ in 0 ..< 100 where notifications.reduce(0, { $0 + Int($1.hi - $1.lo) + 1 }) < 3 {
            var descriptor = pollfd(fd: socket.rawValue, events: 0, revents: 0)
            _ = poll(&descriptor, 1, 100)
            while let notification = try socket.nextZerocopyNotification() { notifications.append(notification) }
        }
        let report = ZerocopyReport(sends: 3, notifications: notifications)
        #expect(report.idsComplete, "\(notifications)")
        #expect(report.coverageProblems.isEmpty)
        // Delivered to a local socket: copied, and no error.
        #expect(notifications.allSatisfy { $0.code == .copied && $0.error == 0 })
        #expect(try socket.nextZerocopyNotification() == nil)
    }
}
