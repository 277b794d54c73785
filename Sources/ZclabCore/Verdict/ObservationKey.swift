/// One observation a scenario may state an expectation about: its name (or
/// a pattern of names, such as `frames.SIDE.largest_frame`), the kind of
/// value the run records under it, and what it means.
///
/// The value kind lets `zclab check` reject, before any namespace exists,
/// an expectation no run can meet (`receiver.bytes: true`). Each declaration
/// is a value so it can live next to the code that records the observation.
public struct ObservationKey: Sendable {
    /// One dot-separated part of a key.
    public enum Segment: Sendable, Equatable {
        /// Exactly this word.
        case word(String)
        /// A number counting from 1 (a script's step): written `N`.
        case index
        /// One of `choices`, written as `placeholder` in docs (`SIDE`).
        case choice(placeholder: String, choices: [String])
        /// Any word, written as `placeholder` (`NAME`).
        case any(placeholder: String)
    }

    public let segments: [Segment]
    public let type: ValueType
    public let meaning: String

    /// A key with a fixed name, "sender.bytes".
    public init(_ name: String, _ type: ValueType, _ meaning: String) {
        self.init(name.split(separator: ".").map { .word(String($0)) }, type, meaning)
    }

    public init(_ segments: [Segment], _ type: ValueType, _ meaning: String) {
        self.segments = segments
        self.type = type
        self.meaning = meaning
    }

    /// The key as the docs write it: "frames.SIDE.largest_frame".
    public var pattern: String {
        segments.map { segment in
            switch segment {
            case .word(let word): word
            case .index: "N"
            case .choice(let placeholder, _), .any(let placeholder): placeholder
            }
        }.joined(separator: ".")
    }

    /// Whether `name` is this key (or one of the names its pattern stands for).
    public func matches(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == segments.count else { return false }
        return zip(segments, parts).allSatisfy { segment, part in
            switch segment {
            case .word(let word): part == word
            case .index: !part.isEmpty && part.count < 10 && part.allSatisfy { $0.isASCII && $0.isNumber }
            case .choice(_, let choices): choices.contains(String(part))
            case .any: !part.isEmpty
            }
        }
    }
}

/// The kind of value an observation takes: the forms its value can have.
public struct ValueType: Sendable, CustomStringConvertible {
    public enum Form: Sendable, Equatable {
        /// A count, byte count or offset (a whole number).
        case number
        /// true or false.
        case flag
        /// An errno name, EPIPE.
        case errno
        /// A signal name, SIGBUS or SIGRTMIN+N.
        case signal
        /// One of these words.
        case words([String])
        /// Any text that is not a number or a flag (quote text that looks like one).
        case text
    }

    public let forms: [Form]

    public init(_ forms: Form...) { self.forms = forms }

    public static let number = ValueType(.number)
    public static let flag = ValueType(.flag)
    public static let text = ValueType(.text)
    public static let numberOrNone = ValueType(.number, .words(["none"]))
    public static let flagOrNone = ValueType(.flag, .words(["none"]))
    public static let errnoOrNone = ValueType(.errno, .words(["none"]))
    public static let signalOrNone = ValueType(.signal, .words(["none"]))
    /// Whatever a program reports (an external client's recorded JSON values).
    public static let anything = ValueType(.number, .flag, .text)

    public static func words(_ words: String...) -> ValueType { ValueType(.words(words)) }

    /// Whether `value` is one this kind of observation can take.
    public func admits(_ value: ObservedValue) -> Bool {
        forms.contains { form in
            switch (form, value) {
            case (.number, .number), (.flag, .flag), (.text, .text): true
            case (.errno, .text(let name)): Errno.isName(name)
            case (.signal, .text(let name)): SignalNames.number(name) != nil || SignalNames.isName(name)
            case (.words(let words), .text(let word)): words.contains(word)
            default: false
            }
        }
    }

    /// Whether a range {min:, max:} can match.
    public var isNumeric: Bool { forms.contains(.number) }

    /// "a number or none", for messages and docs.
    public var description: String {
        forms.map { form in
            switch form {
            case .number: "a number"
            case .flag: "true or false"
            case .errno: "an errno name"
            case .signal: "a signal name"
            case .words(let words): words.joined(separator: ", ")
            case .text: "text"
            }
        }.joined(separator: " or ")
    }
}

/// Observations with fixed names, declared beside the code that records
/// them: each case is one key, its raw value the key's name, and
/// `declaration` its value type and meaning. The catalog (`ObservationKeys`),
/// `zclab check` and the key table in docs/scenario-format.md all read these.
public protocol ObservationGroup: RawRepresentable<String>, CaseIterable, Sendable {
    var declaration: (type: ValueType, meaning: String) { get }
}

extension ObservationGroup {
    public var key: ObservationKey { ObservationKey(rawValue, declaration.type, declaration.meaning) }
    public static var keys: [ObservationKey] { allCases.map(\.key) }
}
