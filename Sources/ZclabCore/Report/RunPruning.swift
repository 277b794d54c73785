import Foundation

/// Removing old run folders (`zclab prune`). Only folders zclab recognizes
/// as its own runs are ever considered: a folder directly inside the runs
/// folder with a report.json that decodes as a zclab report (zclab version,
/// run id, start time). Anything else there (captures/reference, a user's
/// notes) is left alone.
public enum RunPruning {
    /// One run folder found.
    public struct RunFolder: Sendable, Equatable {
        public var path: String
        public var runID: String
        public var startedAt: Date
    }

    /// Which runs to remove.
    public enum Rule: Sendable, Equatable {
        /// Keep the newest N runs, remove the rest.
        case keepNewest(Int)
        /// Remove runs started more than this many seconds before now.
        case olderThan(TimeInterval)
    }

    /// The part of report.json that identifies a run.
    struct Identity: Decodable {
        var zclabVersion: String
        var runID: String
        var startedAt: String

        enum CodingKeys: String, CodingKey {
            case zclabVersion = "zclab_version", runID = "run_id", startedAt = "started_at"
        }
    }

    /// The zclab runs directly inside `folder`, oldest first.
    public static func runs(in folder: String) -> [RunFolder] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        let formatter = ISO8601DateFormatter()
        let found = names.compactMap { name -> RunFolder? in
            let path = folder.hasSuffix("/") ? folder + name : folder + "/" + name
            guard let data = FileManager.default.contents(atPath: path + "/report.json"),
                let identity = try? JSONDecoder().decode(Identity.self, from: data),
                let started = formatter.date(from: identity.startedAt)
            else { return nil }
            return RunFolder(path: path, runID: identity.runID, startedAt: started)
        }
        return found.sorted { ($0.startedAt, $0.runID) < ($1.startedAt, $1.runID) }
    }

    /// The runs `rule` removes from `runs` (oldest first, as `runs(in:)` gives them).
    public static func chosen(_ runs: [RunFolder], by rule: Rule, now: Date = Date()) -> [RunFolder] {
        switch rule {
        case .keepNewest(let count): Array(runs.dropLast(max(count, 0)))
        case .olderThan(let age): runs.filter { now.timeIntervalSince($0.startedAt) > age }
        }
    }
}
