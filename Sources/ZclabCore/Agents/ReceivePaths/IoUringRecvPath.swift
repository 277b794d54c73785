#if canImport(Glibc)
import Glibc
#endif

/// io_uring IORING_OP_RECV into a buffer of `read_size`, one request in
/// flight, until a result of 0 (end of stream): the receive side of the
/// io_uring send paths, copying as read(2) does. Its zero-copy sibling
/// (IORING_OP_RECV_ZC) needs a NIC queue registered for it (`zclab` probes
/// that as `io-uring-zcrx`).
struct IoUringRecvPath: ReceivePath {
    static let summary = "io_uring IORING_OP_RECV into a buffer of `read_size`, one request in flight, until a result of 0"
    static let blockingCall = "io_uring_enter"
    static let syscalls = ["io_uring_setup", "recv"]
    let readSize: Int

    init(config: ReceiverConfig) {
        readSize = config.readSize
    }

    mutating func receive(from socket: FileDescriptor, _ context: inout ReceiveContext) throws(Errno) -> ReceivePathReport? {
        let ring = try context.log.record("io_uring_setup", "entries=8", returnValue: { _ in 0 }) { () throws(Errno) in
            try IoUringRing(entries: 8)
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: readSize, alignment: 4096)
        defer { buffer.deallocate() }
        var request: UInt64 = 0
        while true {
            request += 1
            let id = request
            let count = try context.log.record("recv", "fd=\(socket.rawValue) len=\(buffer.count) (IORING_OP_RECV)") { () throws(Errno) in
                try ring.receive(into: buffer, on: socket.rawValue, userData: id)
                while true {
                    guard let completion = try ring.nextCompletion(milliseconds: 1000), completion.userData == id else { continue }
                    if completion.result < 0 { throw Errno(-completion.result) }
                    return Int(completion.result)
                }
            }
            if count == 0 { return nil }
            context.take(UnsafeRawBufferPointer(rebasing: buffer[0 ..< count]))
        }
    }
}
