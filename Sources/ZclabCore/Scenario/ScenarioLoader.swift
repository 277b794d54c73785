import Foundation

/// Finds scenario files under the paths a user names and parses them all,
/// collecting every error rather than stopping at the first.
public enum ScenarioLoader {
    /// Scenario files: each path itself if it is a file, else every *.yaml
    /// and *.yml below it, in name order.
    public static func files(in paths: [String]) throws -> [String] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw ScenarioError(path: path, line: 0, column: 0, message: "no such file or folder")
            }
            if !isDirectory.boolValue {
                files.append(path)
                continue
            }
            let found = FileManager.default.enumerator(atPath: path)?.compactMap { $0 as? String } ?? []
            files += found.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
                .map { path.hasSuffix("/") ? path + $0 : path + "/" + $0 }
        }
        return files
    }

    /// Parses every file; returns the scenarios and the errors (with file:line).
    public static func load(_ files: [String]) -> (scenarios: [Scenario], errors: [ScenarioError]) {
        var scenarios: [Scenario] = []
        var errors: [ScenarioError] = []
        for file in files {
            do { scenarios.append(try ScenarioParser.parse(contentsOf: file)) } catch { errors.append(error) }
        }
        var seen: [String: String] = [:]
        for scenario in scenarios {
            if let other = seen[scenario.name] {
                errors.append(ScenarioError(path: scenario.path, line: 1, column: 1, message: "name '\(scenario.name)' is also used by \(other)"))
            }
            seen[scenario.name] = scenario.path
        }
        return (scenarios, errors)
    }

    /// Scenarios whose name contains, or whose tags include, any of `filters`
    /// (all of them when `filters` is empty).
    public static func select(_ scenarios: [Scenario], filters: [String]) -> [Scenario] {
        guard !filters.isEmpty else { return scenarios }
        return scenarios.filter { scenario in
            filters.contains { scenario.name.contains($0) || scenario.tags.contains($0) }
        }
    }
}
