#if canImport(Glibc)
import Glibc
#endif

/// splice(2) from the socket into a pipe, and from the pipe into the
/// destination file (the receiving half of a file copy that never enters
/// user space: Samba's write path). The bytes are checked once the stream
/// ended, by reading the file back through a new descriptor: what the page
/// cache holds is what is judged.
struct SpliceToFilePath: ReceivePath {
    static let summary = "splice(2) from the socket into a pipe, then from the pipe into the destination file; the file read back and checked"
    static let blockingCall = "splice"
    static let syscalls = ["open", "splice", "splice_fill"]
    let destination: String

    init(config: ReceiverConfig) {
        destination = config.destination ?? ""
    }

    mutating func receive(from socket: FileDescriptor, _ context: inout ReceiveContext) throws(Errno) -> ReceivePathReport? {
        let path = destination
        let file = FileDescriptor(rawValue: try context.log.record("open", "path=\(path) flags=O_WRONLY|O_CREAT|O_TRUNC") { () throws(Errno) in
            try FileDescriptor.open(path, [.writeOnly, .create, .truncate]).rawValue
        })
        defer { try? file.close() }
        let pipe = try FileDescriptor.pipe()
        defer {
            try? pipe.read.close()
            try? pipe.write.close()
        }
        var written: Int64 = 0
        while true {
            // "splice_fill": socket to pipe (sleeps while the socket is empty); "splice": pipe to file.
            let filled = try context.log.record("splice_fill", "fd_in=\(socket.rawValue) fd_out=\(pipe.write.rawValue) len=65536") { () throws(Errno) in
                try socket.splice(to: pipe.write, inputOffset: nil, count: 65536, flags: .move)
            }
            if filled == 0 { break }
            var moved = 0
            while moved < filled {
                moved += try context.log.record("splice", "fd_in=\(pipe.read.rawValue) fd_out=\(file.rawValue) len=\(filled - moved)") {
                    () throws(Errno) in try pipe.read.splice(to: file, inputOffset: nil, count: filled - moved, flags: .move)
                }
            }
            written += Int64(filled)
            context.received += UInt64(filled)
        }
        try FileReadBack.read(path, into: context.verifier)  // what the page cache holds
        return .file(DestinationFile(size: UInt64(written)))
    }
}
