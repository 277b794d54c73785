/// The key table of docs/scenario-format.md, written from the declarations
/// (`zclab keys` prints it), so that the docs cannot drift from what
/// `zclab check` accepts: a unit test compares the two.
extension ObservationKeys {
    /// Where the generated table starts and ends in docs/scenario-format.md.
    public static let docsMarkers = (begin: "<!-- keys: written by `zclab keys`; do not edit -->", end: "<!-- end of keys -->")

    /// One row a key: its name or pattern, the values it takes, what it means;
    /// then what the placeholders stand for.
    public static var markdownTable: String {
        var out = "| key | value | meaning |\n|---|---|---|\n"
        for key in all {
            out += "| `\(key.pattern)` | \(cell(key.type.description)) | \(cell(key.meaning)) |\n"
        }
        var placeholders: [String: [String]] = [:]
        for key in all {
            for case .choice(let placeholder, let choices) in key.segments { placeholders[placeholder] = choices }
        }
        out += "\n"
        for (placeholder, choices) in placeholders.sorted(by: { $0.key < $1.key }) {
            out += "\(placeholder) is one of \(choices.map { "`\($0)`" }.joined(separator: ", ")).\n"
        }
        return out + "N counts from 1; FEATURE is a kernel feature name; NAME is a name the scenario's `client.record` gives.\n"
    }

    /// `text` made safe for a Markdown table cell.
    private static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|")
    }
}
