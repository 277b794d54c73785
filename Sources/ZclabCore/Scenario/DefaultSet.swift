/// The scenarios `zclab run` runs when it is told nothing: those tagged
/// `default`, a set chosen to show every family (basic, truncate, lease,
/// large, zerocopy, offload, programs) by its most telling scenarios in about
/// a minute. Naming paths, a filter, or `--all` runs everything they select.
public enum DefaultSet {
    /// The tag that puts a scenario in the default set.
    public static let tag = "default"

    /// Whether `scenario` is in the default set.
    public static func contains(_ scenario: Scenario) -> Bool { scenario.tags.contains(tag) }

    /// What a run selects from `scenarios` (all found under the paths):
    /// the default set when no path, no filter and not `all` was asked for;
    /// otherwise the ones the filters select (all when there is none).
    public static func select(_ scenarios: [Scenario], filters: [String], pathsNamed: Bool, all: Bool) -> [Scenario] {
        if !pathsNamed && filters.isEmpty && !all { return scenarios.filter(contains) }
        return ScenarioLoader.select(scenarios, filters: filters)
    }
}
