#if canImport(Glibc)
import Glibc
#endif
import CZclabLinux

extension SenderAgent {
    /// vmsplice(2) of a private (heap) copy of the file into a pipe, a pipe's
    /// capacity at a time, each drained to the socket with splice(2). Without
    /// SPLICE_F_GIFT the pipe, and then the socket, refer to the buffer's
    /// pages: with `rewriteAfterSend`, the start of the last chunk is
    /// rewritten once every call has returned, and the runner is told.
    mutating func vmspliceSend(_ file: FileDescriptor, size: UInt64, to socket: FileDescriptor, sent: inout UInt64) throws(Errno) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(Int(size), 1), alignment: 4096)
        defer { buffer.deallocate() }
        try file.readAll(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0 ..< Int(size)]))
        let pipe = try FileDescriptor.pipe()
        defer {
            try? pipe.read.close()
            try? pipe.write.close()
        }
        let capacity = try pipeCapacity(pipe.write)
        let chunk = Int(config.chunk ?? UInt64(capacity))
        var position = 0
        var lastChunk = 0 ..< 0
        while position < Int(size) {
            let piece = UnsafeRawBufferPointer(rebasing: buffer[position ..< min(Int(size), position + chunk)])
            let moved = try log.record("vmsplice", "fd=\(pipe.write.rawValue) len=\(piece.count) flags=0") { () throws(Errno) in
                try syscall { zcl_vmsplice(pipe.write.rawValue, piece.baseAddress, piece.count, 0) }
            }
            try drain(pipe.read, count: moved, to: socket, sent: &sent)
            lastChunk = position ..< position + moved
            position += moved
        }
        guard let rewrite = config.rewriteAfterSend else { return }
        let range = lastChunk.lowerBound ..< min(lastChunk.upperBound, lastChunk.lowerBound + Int(rewrite))
        PatternContent(count: size, seed: ZerocopyStep.modifySeed)
            .fill(UnsafeMutableRawBufferPointer(rebasing: buffer[range]), at: UInt64(range.lowerBound))
        log.append(SyscallStep(
            actor: "sender", call: "modify", arguments: "buffer offset=\(range.lowerBound) length=\(range.count) (after vmsplice and splice returned)",
            calls: 1, returned: Int64(range.count), returnMin: nil, returnMax: nil, errno: nil, signal: nil, durationNs: 0))
        channel.send(AgentEvent(.marked))
        // The socket holds the pages until they are sent and acknowledged: keep the buffer till then.
        try log.record("ioctl", "fd=\(socket.rawValue) SIOCOUTQ until 0") { () throws(Errno) in
            while try syscall({ zcl_unsent_bytes(socket.rawValue) }) > 0 { usleep(1000) }
            return 0
        }
    }
}
