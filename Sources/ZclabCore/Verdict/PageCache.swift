#if canImport(Glibc)
import Glibc
#endif

/// The test file as it must be after a scenario: the original, changed by
/// the scenario's own actions (truncations, pwrite overwrites, an O_TRUNC
/// open), in the order they ran, and by nothing else. Senders that rewrite
/// their buffer rewrite a private copy (`PrivateCopy`), never the file.
struct FileAfterChanges: ExpectedContent {
    /// Bytes `range` hold `content`'s bytes of the same offsets; later layers cover earlier ones.
    struct Layer: Sendable {
        let range: Range<UInt64>
        let content: PatternContent
    }

    let count: UInt64
    let layers: [Layer]

    init(_ scenario: Scenario) {
        var size = scenario.file.size
        var layers = [Layer(range: 0..<size, content: scenario.file.content)]
        for action in scenario.actions {
            guard case .file(let operation) = action.kind else { continue }
            switch operation {
            case .truncate(let end), .ftruncate(let end):
                // Bytes past the new end are gone: zeros if the file grows again.
                size = end
                layers = layers.compactMap { layer in
                    let kept = layer.range.clamped(to: 0..<end)
                    return kept.isEmpty ? nil : Layer(range: kept, content: layer.content)
                }
            case .overwrite(let offset, let length, let seed):
                layers.append(Layer(range: offset..<offset + length, content: PatternContent(count: offset + length, seed: seed)))
                size = max(size, offset + length)
            case .open(let flags):
                if flags.contains("O_TRUNC") {
                    size = 0
                    layers = []
                }
            }
        }
        count = size
        self.layers = layers
    }

    func fill(_ buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) {
        if let base = buffer.baseAddress { memset(base, 0, buffer.count) }
        let end = offset + UInt64(buffer.count)
        for layer in layers where layer.range.upperBound > offset && layer.range.lowerBound < end {
            let lower = max(layer.range.lowerBound, offset), upper = min(layer.range.upperBound, end)
            layer.content.fill(UnsafeMutableRawBufferPointer(rebasing: buffer[Int(lower - offset)..<Int(upper - offset)]), at: lower)
        }
    }

    /// Where found bytes sit in the original file, for a `shifted` finding.
    func origin(of found: UnsafeRawBufferPointer) -> UInt64? { layers.first?.content.origin(of: found) }
}

/// A file read back through a new descriptor, what any reader now gets (the
/// page cache), compared with what it must hold. After every scenario the
/// test file is checked against `FileAfterChanges`: a send path that lends
/// the file's pages to the stack must give them back unchanged, and a
/// difference is corruption on any kernel (the Dirty Pipe class), found with
/// its offset and kind. A copy's destination is checked the same way.
enum FileReadBack {
    /// Reads `path` in 4 MiB pieces and compares it with `expected`.
    static func compare(_ path: String, with expected: any ExpectedContent) throws(Errno) -> StreamCheck {
        let verifier = StreamVerifier(expected: expected)
        try read(path, into: verifier)
        return verifier.finish().streamCheck
    }

    /// Reads `path` through a new descriptor, in 4 MiB pieces, into `sink`.
    static func read(_ path: String, into sink: any TCPStreamSink) throws(Errno) {
        let file = try FileDescriptor.open(path, .readOnly)
        defer { try? file.close() }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4 << 20, alignment: 4096)
        defer { buffer.deallocate() }
        while true {
            let count = try file.read(into: buffer)
            if count == 0 { break }
            sink.receive(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
    }
}

/// `file.*`: the test file as read back after the scenario.
public enum PageCacheObservation: String, ObservationGroup {
    case intact = "file.intact"
    case firstMismatch = "file.first_mismatch"
    case firstMismatchKind = "file.first_mismatch_kind"

    public var declaration: (type: ValueType, meaning: String) {
        switch self {
        case .intact: (ValueType.flag, "the test file, read again after the scenario, holds what the scenario's own changes leave, byte for byte")
        case .firstMismatch: (ValueType.numberOrNone, "offset of the file's first byte that differs from what it must hold, or none")
        case .firstMismatchKind: (ObservationKeys.mismatchKind, "how it differs (short: the file is shorter; extra: longer), or none")
        }
    }
}

extension Observations {
    /// The page-cache verdict on the test file.
    mutating func addPageCache(_ check: StreamCheck) {
        self[PageCacheObservation.intact] = .flag(check.firstMismatch == nil)
        self[PageCacheObservation.firstMismatch] = check.firstMismatch.map { .number(Int64($0.offset)) } ?? .text("none")
        self[PageCacheObservation.firstMismatchKind] = .text(check.firstMismatch?.kind.rawValue ?? "none")
    }
}
