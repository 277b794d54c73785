import Foundation
import Yams

/// The `expect:` section: observation keys and the values or ranges expected.
/// Each value is checked against its key's `ValueType` (from `ObservationKeys`,
/// the catalog the run records by), so an expectation no run can meet is an
/// error in the file, not a failure after the namespaces were built.
extension ScenarioReader {
    /// The expectations of the scenario whose top mapping is `root`: a
    /// scenario without any could never fail, so that is an error.
    func expectations(_ node: Node?, in root: Node) throws(ScenarioError) -> [Expectation] {
        guard let node else {
            throw error(root, "missing 'expect': what the run must show (e.g. wire.matches: true); a scenario that expects nothing cannot fail")
        }
        return try expectations(node)
    }

    /// Expectations: a non-empty mapping of observation keys to values.
    func expectations(_ node: Node) throws(ScenarioError) -> [Expectation] {
        guard let mapping = node.mapping, !mapping.isEmpty else {
            throw error(node, "expect must map observation keys to expected values (a scenario must expect something)")
        }
        var result: [Expectation] = []
        for (keyNode, valueNode) in mapping {
            guard let name = keyNode.string else { throw error(keyNode, "expectation keys are words like wire.matches") }
            guard let key = ObservationKeys.key(name) else {
                throw error(keyNode, "unknown observation '\(Self.clip(name))' (see docs/scenario-format.md for the list)")
            }
            result.append(Expectation(key: name, matcher: try matcher(valueNode, key, name), line: keyNode.mark?.line ?? 0))
        }
        return result
    }

    /// A value ("16MiB", "EPIPE", true), a range {min:, max:}, or {one_of: [...]}.
    func matcher(_ node: Node, _ key: ObservationKey, _ name: String) throws(ScenarioError) -> Matcher {
        guard node.mapping != nil else { return .equals(try value(node, key, name)) }
        let items = try fields(node, in: name, allowed: ["min", "max", "one_of"])
        if let choices = items["one_of"] {
            guard items.count == 1 else { throw error(node, "\(name): one_of stands alone, without min or max") }
            guard let list = choices.sequence, !list.isEmpty else { throw error(choices, "one_of must be a non-empty list") }
            var values: [ObservedValue] = []
            for item in list { values.append(try value(item, key, name)) }
            return .oneOf(values)
        }
        guard key.type.isNumeric else {
            throw error(node, "\(name) is \(key.type), not a number: a range {min:, max:} can never match it")
        }
        let low = try items["min"].map { (node) throws(ScenarioError) in Int64(try bytes(node, "min")) }
        let high = try items["max"].map { (node) throws(ScenarioError) in Int64(try bytes(node, "max")) }
        guard low != nil || high != nil else { throw error(node, "a range needs min, max or both") }
        if let low, let high, low > high { throw error(node, "\(name): min \(low) is more than max \(high): no value is in that range") }
        return .range(min: low, max: high)
    }

    /// An expected value: a flag, a byte count or number, or text; quoted
    /// text ("0-2", "OUT|ERR") is always text. It must be a value of the key's type.
    func value(_ node: Node, _ key: ObservationKey, _ name: String) throws(ScenarioError) -> ObservedValue {
        let value = try literal(node, name)
        guard key.type.admits(value) else {
            let hint = key.type.forms.contains(.text) ? " (quote text that looks like a number or a flag)" : ""
            throw error(node, "\(name) is \(key.type), so '\(Self.clip(value.description))' can never match it\(hint)")
        }
        return value
    }

    /// What the file's text says, before its key is considered.
    func literal(_ node: Node, _ name: String) throws(ScenarioError) -> ObservedValue {
        let text = try string(node, name)
        if let style = node.scalar?.style, style == .doubleQuoted || style == .singleQuoted { return .text(text) }
        if ["true", "false"].contains(text) { return .flag(text == "true") }
        if case .success(let number) = ByteCount.value(text) { return .number(Int64(number)) }
        if text.hasPrefix("-"), let number = Int64(text) { return .number(number) }
        if case .failure(.outOfRange) = ByteCount.value(text) {
            throw error(node, "\(name): '\(Self.clip(text))' is out of range (numbers are -\(ByteCount.largest) ... \(ByteCount.largest))")
        }
        return .text(text)
    }

    /// `strict: [KEY, ...]`: expectations that must hold on every kernel this
    /// scenario runs on, even where differences are only reported
    /// (`--behaviour report`); each must be a key of `expect:`.
    func strictKeys(_ node: Node?, expectations: [Expectation]) throws(ScenarioError) -> Set<String> {
        guard let node else { return [] }
        guard let list = node.sequence else { throw error(node, "strict must be a list of keys of expect:, e.g. [sender.error]") }
        var keys: Set<String> = []
        for item in list {
            let key = try string(item, "a strict key")
            guard expectations.contains(where: { $0.key == key }) else {
                throw error(item, "strict key '\(Self.clip(key))' is not a key of expect:")
            }
            keys.insert(key)
        }
        return keys
    }
}
