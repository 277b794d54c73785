#if canImport(Glibc)
import Glibc
#endif

/// getsockopt(TCP_ZEROCOPY_RECEIVE), Linux 4.18: the socket is mapped once
/// (`map_size` bytes); each call maps whole pages of the receive queue there
/// and names, as recv_skip_hint, the bytes before the next mappable ones,
/// which are read by copy, as a real receiver must. A page can be mapped only
/// when a frag of the received skb is a whole order-0 page that no file owns
/// (net/ipv4/tcp.c, can_map_frag): payloads cut at page boundaries (an MSS
/// of whole pages), pages not from the page cache (a copying sender) nor
/// compound (net.core.high_order_alloc_disable=1). The stream ends when a
/// call finds the queue empty and the peer gone: EIO.
struct MmapReceivePath: ReceivePath {
    static let summary = "getsockopt(TCP_ZEROCOPY_RECEIVE) on a mapping of the socket (`map_size`): whole pages mapped, the bytes before the next mappable ones (recv_skip_hint) read by copy"
    static let blockingCall = "poll"
    static let syscalls = ["mmap", "getsockopt", "read", "poll", "madvise"]
    let mapSize: Int
    let touchAfterEnd: Bool

    init(config: ReceiverConfig) {
        mapSize = config.mapSize
        touchAfterEnd = config.touchAfterEnd
    }

    mutating func receive(from socket: FileDescriptor, _ context: inout ReceiveContext) throws(Errno) -> ReceivePathReport? {
        let size = mapSize
        let region = try context.log.record("mmap", "fd=\(socket.rawValue) length=\(size) PROT_READ MAP_SHARED", returnValue: { _ in 0 }) {
            () throws(Errno) in try FileMapping(socket, offset: 0, length: size, sharing: .shared)
        }
        defer { region.unmap() }
        let copyBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 << 10, alignment: 4096)
        defer { copyBuffer.deallocate() }
        var report = MappedReceive()
        /// The last batch mapped: its stream offset and length.
        var lastBatch: (offset: UInt64, length: Int)?
        while true {
            let receipt: ZerocopyReceipt
            do {
                receipt = try context.log.record("getsockopt", "fd=\(socket.rawValue) TCP_ZEROCOPY_RECEIVE length=\(size)", returnValue: { Int64($0.mapped) }) {
                    () throws(Errno) in try socket.zerocopyReceive(at: region.base, length: size)
                }
            } catch let error where error == Errno(EIO) {
                break  // logged: the queue is empty and the peer closed
            }
            report.calls += 1
            if receipt.mapped > 0 {
                lastBatch = (context.received, receipt.mapped)
                context.take(UnsafeRawBufferPointer(start: region.base, count: receipt.mapped))
                report.mappedBytes += UInt64(receipt.mapped)
            }
            if receipt.skipHint > 0 {
                report.skipHints += 1
                report.copiedBytes += UInt64(try context.readByCopy(receipt.skipHint, from: socket, through: copyBuffer))
            } else if receipt.mapped == 0 {
                try context.waitReadable(socket)
            }
        }
        if touchAfterEnd { try touchRegion(region, lastBatch, &report, &context) }
        return .mapped(report)
    }

    /// The region once the stream ended: the last batch's pages stay mapped
    /// (are they still the bytes of their offsets?), and once dropped with
    /// MADV_DONTNEED a read of them faults (which signal?).
    private func touchRegion(
        _ region: FileMapping, _ lastBatch: (offset: UInt64, length: Int)?, _ report: inout MappedReceive, _ context: inout ReceiveContext
    ) throws(Errno) {
        if let (offset, length) = lastBatch {
            var expected = [UInt8](repeating: 0, count: length)
            expected.withUnsafeMutableBytes { context.verifier.expected.fill($0, at: offset) }
            let same = expected.withUnsafeBytes { memcmp($0.baseAddress!, region.base, length) == 0 }
            report.regionAfterEnd = same ? "stale" : "other"
        } else {
            report.regionAfterEnd = "none mapped"
        }
        try context.log.record("madvise", "length=\(region.length) MADV_DONTNEED") { () throws(Errno) in
            try region.dropPages()
            return 0
        }
        let fault = SignalRecorder.touch(UnsafeRawBufferPointer(start: region.base, count: 1), in: region.bytes, mappingOffset: 0)
        report.signalAfterDrop = fault?.signal ?? "none"
    }
}
