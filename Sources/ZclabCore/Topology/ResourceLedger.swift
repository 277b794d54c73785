import Foundation

/// Everything a run created or changed, written to `/run/zclab/RUN.json` as it
/// happens, so that the run's teardown, or `zclab clean` after a run was
/// killed, can remove and restore it in reverse order.
public final class ResourceLedger: @unchecked Sendable {
    /// One created or changed thing.
    public enum Entry: Codable, Sendable, Equatable {
        case namespace(String)
        /// An interface in the root namespace (before it is moved away).
        case link(String)
        case directory(String)
        /// A sysctl file and the value it had before the run changed it.
        case sysctl(path: String, original: String)
        /// The changeable features of an interface zclab created (or the
        /// user named in two-host mode), as they were before a scenario
        /// changed some (and others with them). At `.current`, the network
        /// namespace it is in (`net:[INODE]`): `zclab clean` restores it only from there.
        case features(place: Place, interface: String, original: [String: Bool], networkNamespace: String? = nil)
        /// A `/tmp/zcl-TAG` folder on a peer (two-host mode): zclab's copy,
        /// test files and captures.
        case peerFolder(SSHRoute)
        /// A guest booted with virtme-ng (`zclab run --kernel`), by the name
        /// its vng, virtme-run and qemu processes carry on their command lines.
        case virtualMachine(name: String)
    }

    struct Record: Codable {
        var runID: String
        var pid: Int32
        var entries: [Entry]
    }

    public static let directory = "/run/zclab"
    public let runID: String
    public private(set) var entries: [Entry] = []
    private let path: String
    private let lock = NSLock()

    public init(runID: String) {
        self.runID = runID
        self.path = "\(Self.directory)/\(runID).json"
    }

    /// Records `entry` before the change is made, so a crash mid-way still leaves a trace.
    public func add(_ entry: Entry) {
        lock.withLock {
            entries.append(entry)
            save()
        }
    }

    /// Undoes `selected` entries, newest first, and forgets them.
    @discardableResult
    public func undo(_ selected: [Entry]) -> [String] {
        lock.withLock {
            let problems = Self.undo(selected)
            entries.removeAll { selected.contains($0) }
            save()
            return problems
        }
    }

    /// Undoes every entry, newest first, and deletes the ledger. Returns what
    /// could not be undone (already-gone resources are not errors).
    @discardableResult
    public func undoAll() -> [String] {
        lock.withLock {
            let problems = Self.undo(entries)
            entries.removeAll()
            try? FileManager.default.removeItem(atPath: path)
            rmdir(Self.directory)  // only if no other run's ledger is there
            return problems
        }
    }

    private func save() {
        try? FileManager.default.createDirectory(atPath: Self.directory, withIntermediateDirectories: true)
        let record = Record(runID: runID, pid: getpid(), entries: entries)
        if let data = try? JSONEncoder().encode(record) {
            _ = FileManager.default.createFile(atPath: path, contents: data)  // best effort: the run goes on without a ledger file
        }
    }

    static func undo(_ entries: [Entry]) -> [String] {
        var problems: [String] = []
        for entry in entries.reversed() {
            do {
                switch entry {
                case .namespace(let name):
                    if Namespaces.list().contains(name) { try runCommand(["ip", "netns", "delete", name]) }
                case .link(let name):
                    if Namespaces.rootLinks().contains(name) { try runCommand(["ip", "link", "delete", name]) }
                case .directory(let path):
                    if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
                case .sysctl(let path, let original):
                    try original.write(toFile: path, atomically: false, encoding: .utf8)
                case .features(let place, let interface, let original, let networkNamespace):
                    if let networkNamespace, networkNamespace != Namespaces.currentIdentity() {
                        throw ScenarioFailure("\(interface) is in the network namespace \(networkNamespace), not this one: run zclab clean there (ip netns exec NAME zclab clean)")
                    }
                    if DeviceFeatures.exists(place: place, interface: interface) {
                        try DeviceFeatures.write(place: place, interface: interface, original)
                    }
                case .peerFolder(let route):
                    // Only a folder zclab names: never anything else of the peer's.
                    if route.folder.hasPrefix("/tmp/zcl-") { try route.run(["rm", "-rf", route.folder]) }
                case .virtualMachine(let name):
                    VirtualMachine.kill(named: name)
                }
            } catch {
                problems.append("\(entry): \(error)")
            }
        }
        return problems
    }

    /// Ledgers of runs whose process is gone: what `zclab clean` undoes.
    static func orphans() -> [(runID: String, entries: [Entry])] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return files.filter { $0.hasSuffix(".json") }.compactMap { name in
            let file = "\(directory)/\(name)"
            guard let data = FileManager.default.contents(atPath: file),
                let record = try? JSONDecoder().decode(Record.self, from: data)
            else { return nil }
            if isAlive(record.pid) { return nil }
            return (record.runID, record.entries)
        }
    }

    /// The run IDs of ledgers whose zclab process still runs.
    static func liveRunIDs() -> Set<String> {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return Set(files.compactMap { name -> String? in
            guard let data = FileManager.default.contents(atPath: "\(directory)/\(name)"),
                let record = try? JSONDecoder().decode(Record.self, from: data), isAlive(record.pid)
            else { return nil }
            return record.runID
        })
    }

    /// A zclab process with this pid runs (a zombie, dead but not yet reaped, does not).
    private static func isAlive(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 || errno == EPERM else { return false }
        let comm = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? ""
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        let state = stat.lastIndex(of: ")").map { stat[stat.index(after: $0)...].first { $0 != " " } } ?? nil
        return comm.hasPrefix("zclab") && state != "Z"
    }
}
