import ArgumentParser
import Foundation
import ZclabCore

/// Exit status 2 for every kind of bad usage, decided in one place:
/// swift-argument-parser gives 64 (EX_USAGE) for an unknown option, a bad
/// value or a failed validation; zclab's contract is 2, as for an invalid
/// scenario file. `--help` and `--version` stay 0, other errors 1.
extension Zclab {
    static func main() {
        var command: any ParsableCommand
        do { command = try parseAsRoot() } catch {
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            printError(fullMessage(for: error))
            Foundation.exit(2)
        }
        do { try command.run() } catch let error as ValidationError {
            // Found after parsing: the message names the option; the usage would be the root's.
            printError("zclab: \(error.message)")
            Foundation.exit(2)
        } catch {
            exit(withError: error)
        }
    }
}

/// Bad usage: prints the message (naming the option, path or position) on
/// standard error and returns exit status 2 to throw.
func usageFailure(_ message: String) -> ExitCode {
    printError("zclab: \(message)")
    return ExitCode(2)
}

/// The scenario files named by `paths` (files, or folders searched for
/// .yaml/.yml); a path that is missing or holds no scenario file is bad usage.
func scenarioFiles(in paths: [String]) throws -> [String] {
    var files: [String] = []
    for path in paths {
        guard FileManager.default.fileExists(atPath: path) else { throw usageFailure("\(path): no such file or folder") }
        let found: [String]
        do { found = try ScenarioLoader.files(in: [path]) } catch { throw usageFailure("\(error)") }
        guard !found.isEmpty else { throw usageFailure("no scenario file in \(path)") }
        files += found
    }
    return files
}

/// Makes `path` a folder zclab can write its output to (creating it and its
/// parents), or exits 2 saying which part of the path is in the way and why;
/// called before anything runs, so a bad `--out` costs no run.
func prepareOutputFolder(_ path: String, option: String = "--out") throws {
    var prefix = path.hasPrefix("/") ? "" : "."
    for component in path.split(separator: "/") {
        prefix += "/" + component
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: prefix, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw usageFailure("\(option) \(path): \(prefix) exists and is not a folder")
            }
            continue
        }
        guard mkdir(prefix, 0o755) == 0 || errno == EEXIST else {
            throw usageFailure("\(option) \(path): cannot create \(prefix): \(Errno.current)")
        }
    }
    // access(2) says yes to root almost everywhere (/proc, /sys): try it.
    let probe = "\(path)/.zcl-write-check-\(getpid())"
    guard mkdir(probe, 0o700) == 0 else { throw usageFailure("\(option) \(path): cannot write there: \(Errno.current)") }
    rmdir(probe)
}

/// Writes `text` to the file `path` named by `option`, or exits 2 saying why not.
func writeOutputFile(_ text: String, to path: String, option: String = "--out") throws {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
        throw usageFailure("\(option) \(path): is a folder, not a file")
    }
    do {
        let file = try FileDescriptor.open(path, [.writeOnly, .create, .truncate])
        defer { try? file.close() }
        let bytes = Array(text.utf8)
        try bytes.withUnsafeBytes { try file.writeAll($0) }
    } catch {
        throw usageFailure("\(option) \(path): cannot write: \(error)")
    }
}

/// Reads a report.json, or exits 2 saying why it is not one (after the
/// option that named it, if one did).
func loadReport(_ path: String, option: String? = nil) throws -> RunReport {
    do { return try ReportFile.load(path) } catch { throw usageFailure((option.map { "\($0) " } ?? "") + "\(error)") }
}
