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
}
