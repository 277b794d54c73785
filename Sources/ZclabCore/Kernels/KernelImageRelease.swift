import Foundation

/// The release (`uname -r`) of an x86 kernel image, read from its boot
/// header: the name of the folder its modules live in, and of the run
/// folder's `kernels/RELEASE/`. Read by zclab itself, so a bad file is found
/// before anything boots.
public enum KernelImageRelease {
    /// Why a file gives no release.
    public struct Unreadable: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// The release in `path`'s x86 boot header: the header ("HdrS" at 0x202)
    /// points at a version string ("6.1.0-47-amd64 (debian-kernel@...) #1 ...")
    /// with the 16-bit `kernel_version` field at 0x20E, counted from 0x200.
    public static func read(_ path: String) throws(Unreadable) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw Unreadable(path: path, reason: "cannot be read") }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: 0x10000)) ?? Data())
        guard head.count > 0x210, Array(head[0x202..<0x206]) == Array("HdrS".utf8) else {
            throw Unreadable(path: path, reason: "not an x86 kernel image (no boot header)")
        }
        let offset = Int(head[0x20E]) | Int(head[0x20F]) << 8
        let start = offset + 0x200
        guard offset != 0, start < head.count else { throw Unreadable(path: path, reason: "its boot header names no version") }
        let release = head[start...].prefix { $0 != 0 && $0 != UInt8(ascii: " ") }
        guard !release.isEmpty else { throw Unreadable(path: path, reason: "its boot header names no version") }
        return String(decoding: release, as: UTF8.self)
    }
}
