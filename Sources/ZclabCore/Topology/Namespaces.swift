import Foundation

/// Reading the machine's network namespaces and root-namespace interfaces.
public enum Namespaces {
    /// Every zclab resource name starts with this.
    public static let prefix = "zcl"

    /// Names of the named network namespaces (`ip netns list`).
    public static func list() -> [String] {
        let output = (try? runCommand(["ip", "netns", "list"])) ?? ""
        return output.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) }
    }

    /// This process's network namespace, as /proc names it (`net:[4026531840]`).
    public static func currentIdentity() -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/net")
    }

    /// Names of the interfaces in the root namespace (`ip -o link show`).
    public static func rootLinks() -> [String] {
        let output = (try? runCommand(["ip", "-o", "link", "show"])) ?? ""
        return output.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: ":", maxSplits: 2)
            guard fields.count >= 2 else { return nil }
            let name = fields[1].trimmingCharacters(in: .whitespaces)
            return String(name.split(separator: "@").first ?? "")
        }
    }
}

/// What `zclab clean` found and did.
public struct CleanReport: Sendable {
    public var removed: [String] = []
    public var skipped: [String] = []
    public var problems: [String] = []
}

/// Removes what killed runs left behind: first by their ledgers (which also
/// restores changed settings and kills their guests), then any `zcl`
/// namespace, root interface, `zcl-vm-` guest or scratch folder whose run is
/// no longer alive. Never touches anything
/// without the `zcl` prefix, nor a live run's resources unless `force`.
public func cleanLeftovers(force: Bool = false) -> CleanReport {
    var report = CleanReport()
    for orphan in ResourceLedger.orphans() {
        report.problems += ResourceLedger.undo(orphan.entries)
        report.removed += orphan.entries.map { "\($0)" }
        try? FileManager.default.removeItem(atPath: "\(ResourceLedger.directory)/\(orphan.runID).json")
    }
    let live = force ? [] : ResourceLedger.liveRunIDs()
    func owned(_ name: String) -> Bool { live.contains { name.contains(RunNames.tag(of: $0)) } }
    for namespace in Namespaces.list() where namespace.hasPrefix(Namespaces.prefix) {
        if owned(namespace) { report.skipped.append("namespace \(namespace) (its run is alive)"); continue }
        // Processes still inside (agents of a run that died) go first.
        for pid in ((try? runCommand(["ip", "netns", "pids", namespace])) ?? "").split(separator: "\n").compactMap({ Int32($0) }) {
            kill(pid, SIGKILL)
            report.removed.append("process \(pid) in \(namespace)")
        }
        do { try runCommand(["ip", "netns", "delete", namespace]); report.removed.append("namespace \(namespace)") }
        catch { report.problems.append("\(error)") }
    }
    for link in Namespaces.rootLinks() where link.hasPrefix(Namespaces.prefix) {
        if owned(link) { report.skipped.append("interface \(link) (its run is alive)"); continue }
        do { try runCommand(["ip", "link", "delete", link]); report.removed.append("interface \(link)") }
        catch { report.problems.append("\(error)") }
    }
    for name in VirtualMachine.runningNames().sorted() {
        if owned(name) { report.skipped.append("virtual machine \(name) (its run is alive)"); continue }
        let killed = VirtualMachine.kill(named: name)
        report.removed.append("virtual machine \(name) (processes \(killed.map(String.init).joined(separator: ", ")))")
    }
    for scratch in [RunNames.scratchParent, RunNames.diskParent] {
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: scratch)) ?? [] where entry.hasPrefix(Namespaces.prefix) {
            if owned(entry) { report.skipped.append("folder \(scratch)/\(entry) (its run is alive)"); continue }
            do { try FileManager.default.removeItem(atPath: "\(scratch)/\(entry)"); report.removed.append("folder \(scratch)/\(entry)") }
            catch { report.problems.append("\(error)") }
        }
    }
    return report
}
