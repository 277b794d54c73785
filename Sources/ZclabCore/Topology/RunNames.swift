import Foundation

/// Names of what a run creates. All start with `zcl` and carry the run's tag,
/// so two runs can go at once and `zclab clean` can tell whose is whose.
public enum RunNames {
    /// Where test files go: tmpfs, so that large sparse files cost no disk.
    public static let scratchParent = "/dev/shm"

    /// A new run ID, e.g. "20261126-012345-3fa9c1": time for sorting, random tag for uniqueness.
    public static func newRunID(now: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.timeZone = TimeZone(identifier: "UTC")
        let tag = String(UInt32.random(in: 0...0xFF_FFFF), radix: 16)
        return formatter.string(from: now) + "-" + String(repeating: "0", count: 6 - tag.count) + tag
    }

    /// The 6-hex-digit tag of a run ID.
    public static func tag(of runID: String) -> String { String(runID.suffix(6)) }

    /// Where files go that a scenario asks to have on the disk.
    public static let diskParent = "/var/tmp"

    /// Folder for a run's test files: on tmpfs, or on the disk.
    public static func scratchFolder(runID: String, onDisk: Bool = false) -> String {
        "\(onDisk ? diskParent : scratchParent)/zcl-\(tag(of: runID))"
    }
}
