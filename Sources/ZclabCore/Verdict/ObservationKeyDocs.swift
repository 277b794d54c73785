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
            out += "| `\(key.pattern)` | \(ReportRendering.markdownCell(key.type.description)) | \(ReportRendering.markdownCell(key.meaning)) |\n"
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

    /// A regular expression that matches exactly the names of the declared
    /// keys: docs/report.schema.json holds it as the `propertyNames` of a
    /// scenario's `observations` (`zclab keys --schema-pattern` prints it).
    public static var namePattern: String {
        let alternatives = all.map { key in
            key.segments.map { segment in
                switch segment {
                case .word(let word): escaped(word)
                case .index: "[0-9]+"
                case .choice(_, let choices): "(" + choices.map(escaped).joined(separator: "|") + ")"
                case .any: "[^.]+"
                }
            }.joined(separator: "\\.")
        }
        return "^(" + alternatives.joined(separator: "|") + ")$"
    }

    /// `word` with the characters a regular expression gives meaning to escaped.
    private static func escaped(_ word: String) -> String {
        word.map { ".+*?()[]{}|^$\\".contains($0) ? "\\\($0)" : String($0) }.joined()
    }
}

extension SendMethod {
    /// Where the generated table of send methods starts and ends in docs/scenario-format.md.
    public static let docsMarkers = (begin: "<!-- methods: written by `zclab methods`; do not edit -->", end: "<!-- end of methods -->")

    /// One row a send path, from its own declarations: the method word,
    /// what it does, the call it blocks in, the options only it reads, the
    /// calls it logs.
    public static var markdownTable: String {
        var out = "| method | what it does | blocks in | options only it reads | its calls (`sender.CALL.*`) |\n|---|---|---|---|---|\n"
        for method in allCases {
            let options = method.options.map { "`\($0)`" }.joined(separator: ", ")
            out += "| `\(method.rawValue)` | \(method.summary) | \(method.blockingCall) | \(options.isEmpty ? "-" : options) | "
                + method.syscalls.joined(separator: ", ") + " |\n"
        }
        let separate = allCases.filter(\.sendsHeaderApart).map { "`\($0.rawValue)`" }.joined(separator: ", ")
        return out + "\n`cork` and `more` go with a `header` sent on its own, which these send first: \(separate).\n"
    }
}
