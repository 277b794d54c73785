/// A value the runner observed: a count, a name (errno, signal, status) or a flag.
public enum ObservedValue: Sendable, Hashable, Codable, CustomStringConvertible {
    case number(Int64)
    case text(String)
    case flag(Bool)

    public var description: String {
        switch self {
        case .number(let value): "\(value)"
        case .text(let value): value
        case .flag(let value): "\(value)"
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Bool.self) { self = .flag(value) }
        else if let value = try? container.decode(Int64.self) { self = .number(value) }
        else { self = .text(try container.decode(String.self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .number(let value): try container.encode(value)
        case .text(let value): try container.encode(value)
        case .flag(let value): try container.encode(value)
        }
    }
}

/// What an expectation accepts.
public enum Matcher: Sendable, Hashable, CustomStringConvertible {
    case equals(ObservedValue)
    /// A number within `min ... max` (either bound optional).
    case range(min: Int64?, max: Int64?)
    case oneOf([ObservedValue])

    public func accepts(_ value: ObservedValue) -> Bool {
        switch self {
        case .equals(let expected): return expected == value
        case .oneOf(let choices): return choices.contains(value)
        case .range(let low, let high):
            guard case .number(let number) = value else { return false }
            return (low.map { number >= $0 } ?? true) && (high.map { number <= $0 } ?? true)
        }
    }

    public var description: String {
        switch self {
        case .equals(let value): return "\(value)"
        case .oneOf(let values): return "one of \(values.map(\.description).joined(separator: ", "))"
        case .range(let low, let high):
            switch (low, high) {
            case let (low?, high?): return "\(low) ... \(high)"
            case let (low?, nil): return ">= \(low)"
            case let (nil, high?): return "<= \(high)"
            case (nil, nil): return "any number"
            }
        }
    }
}

/// One line of a scenario's `expect:` block: an observation key and a matcher.
public struct Expectation: Sendable, Hashable {
    /// e.g. "sender.sendfile.return_total", "wire.matches".
    public var key: String
    public var matcher: Matcher
    /// Line in the scenario file, for messages.
    public var line: Int
}

/// An expectation judged against what was observed.
public struct Assertion: Codable, Sendable, Equatable {
    public var what: String
    public var expected: String
    public var actual: String
    public var ok: Bool
    /// Why it failed beyond the mismatch itself (e.g. capture had drops).
    public var note: String?
    /// What a failure of it means for the verdict.
    public var kind: Kind = .strict

    /// Must it hold on every kernel, or is it what one kernel did?
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// zclab's own check that holds on every kernel (`Invariant`): data
        /// integrity. Broken, the scenario fails, whatever the kernel.
        case invariant
        /// An expectation that must hold on this kernel: every expectation
        /// under `--behaviour strict` (the default), and the keys a scenario
        /// lists under `strict:`. Not met, the scenario fails.
        case strict
        /// An expectation recorded on the reference kernel, judged under
        /// `--behaviour report`: not met, it is a difference (verdict
        /// `differs`), shown with both values, not a failure.
        case behaviour
    }

    public init(what: String, expected: String, actual: String, ok: Bool, note: String? = nil, kind: Kind = .strict) {
        self.what = what
        self.expected = expected
        self.actual = actual
        self.ok = ok
        self.note = note
        self.kind = kind
    }

    /// "KEY: expected X, got Y (note)": how a reason names a failed assertion.
    public var failureLine: String {
        "\(kind == .invariant ? "invariant " : "")\(what): expected \(expected), got \(actual)" + (note.map { " (\($0))" } ?? "")
    }

    enum CodingKeys: String, CodingKey { case what, expected, actual, ok, note, kind }

    /// Reports from before kinds existed judged every expectation strictly.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        what = try container.decode(String.self, forKey: .what)
        expected = try container.decode(String.self, forKey: .expected)
        actual = try container.decode(String.self, forKey: .actual)
        ok = try container.decode(Bool.self, forKey: .ok)
        note = try container.decodeIfPresent(String.self, forKey: .note)
        kind = try container.decodeIfPresent(Kind.self, forKey: .kind) ?? .strict
    }
}
