import Crypto
import Foundation

/// SHA-256 of a file, hex.
func sha256(ofFile path: String) throws -> String {
    let file = try FileDescriptor.open(path, .readOnly)
    defer { try? file.close() }
    var hasher = SHA256()
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
    defer { buffer.deallocate() }
    while true {
        let count = try file.read(into: buffer)
        if count == 0 { break }
        hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
    }
    return hasher.finalize().map { String(format: "%02x", $0) }.joined()
}
