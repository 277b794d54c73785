import Yams

/// The `sender:` keys one send path reads beyond the common ones (method,
/// chunk, send_buffer, lease, header): their values, read from a scenario
/// by the path's own type, carried to the sender agent in its `SenderSpec`.
public protocol SendPathOptions: Codable, Sendable {
    /// The keys, as the scenario writes them.
    associatedtype Key: RawRepresentable<String>, CaseIterable
    /// What the path does when the scenario sets none of them.
    init()
    /// Reads them from the scenario's `sender:` section (file:line:column errors).
    init(_ keys: SenderKeys<Key>) throws(ScenarioError)
    /// Bytes the path rewrites in its own buffer once every call returned
    /// (`rewrite_after_send`), so the wire may carry new bytes there.
    var rewriteAfterSend: UInt64? { get }
    /// Whether the path rewrites its own buffer at all while the data is in
    /// flight (after every call, or between two of them): the wire may then
    /// carry the rewrite's bytes.
    var rewritesItsBuffer: Bool { get }
}

extension SendPathOptions {
    public var rewriteAfterSend: UInt64? { nil }
    public var rewritesItsBuffer: Bool { rewriteAfterSend != nil }
    /// The key words, in declaration order.
    static var keyWords: [String] { Key.allCases.map(\.rawValue) }
}

/// A path that reads no key of its own.
public struct NoOptions: SendPathOptions {
    /// No key at all.
    public struct Key: RawRepresentable, CaseIterable {
        public static var allCases: [Key] { [] }
        public let rawValue: String
        public init?(rawValue: String) { nil }
    }
    public init() {}
    public init(_ keys: SenderKeys<Key>) {}
}

/// The `sender:` section's values under one path's keys, with the scenario
/// reader's checks (types, ranges, file:line:column).
public struct SenderKeys<Key: RawRepresentable<String>> {
    let reader: ScenarioReader
    let items: [String: Node]

    /// The node under `key`, if the scenario set it.
    subscript(_ key: Key) -> Node? { items[key.rawValue] }

    func bool(_ key: Key) throws(ScenarioError) -> Bool? {
        try self[key].map { (node) throws(ScenarioError) in try reader.bool(node, key.rawValue) }
    }

    func bytes(_ key: Key) throws(ScenarioError) -> UInt64? {
        try self[key].map { (node) throws(ScenarioError) in try reader.bytes(node, key.rawValue) }
    }

    func integer<T: FixedWidthInteger>(_ key: Key, _ range: ClosedRange<T>) throws(ScenarioError) -> T? {
        try self[key].map { (node) throws(ScenarioError) in try reader.integer(node, key.rawValue, range) }
    }

    func choice<T: RawRepresentable & CaseIterable>(_ key: Key, _: T.Type) throws(ScenarioError) -> T? where T.RawValue == String {
        try self[key].map { (node) throws(ScenarioError) in try reader.choice(node, key.rawValue, T.self) }
    }

    /// A mapping under `key` whose own keys are `Nested`'s: read with the same checks.
    func nested<Nested: RawRepresentable<String> & CaseIterable>(_ key: Key, _: Nested.Type) throws(ScenarioError) -> SenderKeys<Nested>? {
        guard let node = self[key] else { return nil }
        let fields = try reader.fields(node, in: key.rawValue, allowed: Nested.allCases.map(\.rawValue))
        return SenderKeys<Nested>(reader: reader, items: fields)
    }

    func error(_ key: Key, _ message: String) -> ScenarioError { reader.error(self[key], message) }
}
