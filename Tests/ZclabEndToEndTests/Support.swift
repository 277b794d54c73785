import Foundation
import Testing
import ZclabCore

/// Every end-to-end suite, one test at a time: each checks that no zcl
/// namespace or interface is left, which a run of another suite would break.
@Suite("End to end", .serialized, .enabled(if: endToEndBlocker() == nil, "\(endToEndBlocker() ?? "")"))
struct EndToEnd {}

/// The package's root folder, from this file's path.
func packageRoot(_ file: String = #filePath) -> String {
    var parts = file.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/")
}

/// The zclab executable `swift build` made (ZCLAB_BIN overrides).
func zclabExecutable() -> String {
    if let path = ProcessInfo.processInfo.environment["ZCLAB_BIN"] { return path }
    return packageRoot() + "/.build/debug/zclab"
}

/// Why the end-to-end tests cannot run here, or nil.
func endToEndBlocker() -> String? {
    if geteuid() != 0 { return "needs root: network namespaces and packet capture need CAP_SYS_ADMIN and CAP_NET_RAW" }
    if !FileManager.default.isExecutableFile(atPath: zclabExecutable()) {
        return "no zclab executable at \(zclabExecutable()): run `swift build` first (the README's test command does)"
    }
    return nil
}

struct CommandResult {
    var status: Int32
    var output: String
    var error: String
}

/// Runs a command to completion with posix_spawn (Foundation's Process can
/// miss a child killed right after it starts, and wait forever), its output
/// and errors in files. Relative paths in the arguments are the package's.
/// With `interruptAfter`, sends the signal once the condition holds.
@discardableResult
func run(_ arguments: [String], interruptAfter: (() -> Bool, Int32)? = nil) throws -> CommandResult {
    let base = FileManager.default.temporaryDirectory.appendingPathComponent("zcl-test-\(UUID().uuidString)").path
    defer {
        try? FileManager.default.removeItem(atPath: base + ".out")
        try? FileManager.default.removeItem(atPath: base + ".err")
    }
    let child = try ChildProcess(arguments, outputPath: base + ".out", errorPath: base + ".err")
    if let (condition, signal) = interruptAfter {
        while child.poll() == nil && !condition() { usleep(20_000) }
        child.kill(signal)
    }
    let termination = child.wait()
    let status: Int32
    switch termination {
    case .exited(let code): status = code
    case .signaled(let signal): status = 128 + signal
    }
    return CommandResult(
        status: status,
        output: (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? "",
        error: (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? "")
}

/// zcl-prefixed namespaces and root interfaces that exist now.
func zclResources() throws -> [String] {
    let namespaces = try run(["ip", "netns", "list"]).output.split(separator: "\n")
        .compactMap { $0.split(separator: " ").first.map(String.init) }.filter { $0.hasPrefix("zcl") }
    let links = try run(["ip", "-o", "link", "show"]).output.split(separator: "\n")
        .compactMap { line -> String? in
            let fields = line.split(separator: ":", maxSplits: 2)
            return fields.count > 1 ? fields[1].trimmingCharacters(in: .whitespaces) : nil
        }
        .filter { $0.hasPrefix("zcl") }
    return namespaces.map { "netns \($0)" } + links.map { "link \($0)" }
}

/// What is left of the run `runID`: its namespaces and interfaces (named
/// with its tag), its scratch folders and its ledger.
func leftovers(ofRun runID: String) throws -> [String] {
    let tag = RunNames.tag(of: runID)
    var left = try zclResources().filter { $0.contains(tag) }
    for path in [RunNames.scratchFolder(runID: runID), RunNames.scratchFolder(runID: runID, onDisk: true), "\(ResourceLedger.directory)/\(runID).json"]
    where FileManager.default.fileExists(atPath: path) {
        left.append(path)
    }
    return left
}

/// What is left of the run whose report.json is in `folder`: only that run's
/// resources, so a zclab run going on beside the test does not fail it.
func leftovers(ofRunIn folder: String) throws -> [String] {
    let report = try JSONDecoder().decode(RunReport.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/report.json")))
    return try leftovers(ofRun: report.runID)
}

/// Length and SHA-256 of the client-to-server bytes of the first TCP stream of
/// `capture`, as tshark reassembles them (`-z follow,tcp,raw,0`); nil when
/// tshark is not installed. The hex listing (two characters a byte, 32 MB for
/// a 16 MiB stream) is decoded by python3, which does it in a fraction of the
/// time a debug build of Swift takes.
func tsharkStream(_ capture: String) throws -> (count: UInt64, sha256: String)? {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/tshark") else { return nil }
    let decoder = """
        import hashlib, subprocess, sys
        listing = subprocess.run(["tshark", "-r", sys.argv[1], "-q", "-z", "follow,tcp,raw,0"],
                                 check=True, capture_output=True, text=True).stdout
        body, digest, count = False, hashlib.sha256(), 0
        for line in listing.splitlines():
            if line.startswith("Node 1:"):
                body = True
            elif line.startswith("====="):
                if body:
                    break
            elif body and line and not line.startswith("\t"):  # server lines start with a tab
                data = bytes.fromhex(line)
                digest.update(data)
                count += len(data)
        print(count, digest.hexdigest())
        """
    let result = try run(["python3", "-c", decoder, capture])
    let fields = result.output.split(separator: " ")
    guard result.status == 0, fields.count == 2, let count = UInt64(fields[0]) else {
        throw TsharkError(message: result.error)
    }
    return (count, fields[1].trimmingCharacters(in: .whitespacesAndNewlines))
}

struct TsharkError: Error { let message: String }
