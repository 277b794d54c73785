#if canImport(Glibc)
import Glibc
#endif
import CZclabLinux

/// The header and the file as the vectored send paths give them to the
/// kernel: each call's iovec is the rest of the header, if any, then the next
/// `chunk` bytes of the file. The file's bytes come from a shared mapping
/// (the page cache itself), or from a private copy when the scenario
/// rewrites them after sending.
struct VectoredSource {
    /// The file's first `header` bytes, read with pread(2).
    let header: UnsafeMutableRawBufferPointer
    let file: UnsafeRawBufferPointer
    /// Whichever of the two holds `file`, kept until the sends are over.
    private let mapping: FileMapping?
    private let copy: PrivateCopy?
    let chunk: Int
    /// Bytes of header and file already sent.
    private(set) var position = 0
    /// The file bytes the last call carried.
    private(set) var lastFileRange = 0 ..< 0

    init(_ transfer: Transfer, header: UInt64, chunk: Int, privateCopy: Bool, _ context: inout SendContext) throws(Errno) {
        let header = UnsafeMutableRawBufferPointer.allocate(byteCount: Int(header), alignment: 8)
        do {
            if header.count > 0 {
                _ = try context.log.record("pread", "fd=\(transfer.file.rawValue) len=\(header.count) offset=0 (header)") {
                    () throws(Errno) in try transfer.file.read(into: header, at: 0)
                }
            }
            if privateCopy {
                copy = try PrivateCopy(of: transfer)
                mapping = nil
            } else {
                copy = nil
                mapping = transfer.size > 0 ? try context.mapWhole(transfer) : nil
            }
        } catch {
            header.deallocate()
            throw error
        }
        self.header = header
        file = copy.map { $0[0 ..< $0.count] } ?? mapping.map { UnsafeRawBufferPointer($0.bytes) } ?? UnsafeRawBufferPointer(start: nil, count: 0)
        self.chunk = chunk
    }

    /// Frees the header buffer and unmaps or frees the file's bytes.
    func release() {
        header.deallocate()
        mapping?.unmap()
        withExtendedLifetime(copy) {}
    }

    var total: Int { header.count + file.count }
    var isDone: Bool { position >= total }

    /// The iovec of the next call.
    var nextVectors: [UnsafeRawBufferPointer] {
        var vectors: [UnsafeRawBufferPointer] = []
        if position < header.count { vectors.append(UnsafeRawBufferPointer(rebasing: header[position...])) }
        let start = max(0, position - header.count)
        if start < file.count { vectors.append(UnsafeRawBufferPointer(rebasing: file[start ..< min(file.count, start + chunk)])) }
        return vectors
    }

    /// Moves past `count` bytes a call sent.
    mutating func advance(by count: Int) {
        let fileStart = max(0, position - header.count)
        position += count
        let fileEnd = max(0, position - header.count)
        if fileEnd > fileStart { lastFileRange = fileStart ..< fileEnd }
    }

    /// "iov=[200, 65536]": the lengths a call offers, for the log.
    static func describe(_ vectors: [UnsafeRawBufferPointer]) -> String {
        "iov=[\(vectors.map { String($0.count) }.joined(separator: ", "))]"
    }

    /// Rewrites the first `bytes` of the last call's file part (a private
    /// copy), logs it and tells the runner (`sender.marked`).
    func rewriteLast(_ bytes: UInt64, _ context: inout SendContext, after: String) {
        guard let copy else { return }
        let range = lastFileRange.lowerBound ..< min(lastFileRange.upperBound, lastFileRange.lowerBound + Int(bytes))
        copy.rewrite(range)
        context.logModify(offset: range.lowerBound, length: range.count, "after \(after) returned")
        context.channel.send(.marked)
    }
}
