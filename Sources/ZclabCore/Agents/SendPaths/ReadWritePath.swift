/// read(2) into a buffer, write(2) all of it to the socket, until end of file:
/// the copy through user space that zero copy is measured against.
struct ReadWritePath: SendPath {
    static let summary = "read(2) the file into a buffer, write(2) it to the socket (128 KiB a call): the copy zero copy is measured against"
    static let blockingCall = "write"
    static let syscalls = ["read", "write"]
    static let sendsDatagrams = true
    /// Bytes per read; 128 KiB unless the scenario's `chunk` says.
    let capacity: Int

    init(options: NoOptions, spec: SenderSpec) { capacity = Int(spec.chunk ?? 128 << 10) }

    mutating func send(_ transfer: Transfer, _ context: inout SendContext) throws(Errno) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 4096)
        defer { buffer.deallocate() }
        while true {
            let count = try context.log.record("read", "fd=\(transfer.file.rawValue) count=\(capacity)") { () throws(Errno) in
                try transfer.file.read(into: buffer)
            }
            if count == 0 { return }
            try context.writeAll(UnsafeRawBufferPointer(rebasing: buffer[0..<count]), to: transfer.socket)
        }
    }
}
