import Foundation
import Yams

/// An error in a scenario file, located by line and column.
public struct ScenarioError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let line: Int
    public let column: Int
    public let message: String
    public var description: String { "\(path):\(line):\(column): \(message)" }

    /// The longest message kept: a message that repeats a huge value from
    /// the file keeps its start and its end (the hint) around an ellipsis.
    static let longestMessage = 400

    public init(path: String, line: Int, column: Int, message: String) {
        self.path = path
        self.line = line
        self.column = column
        self.message = message.count <= Self.longestMessage
            ? message : message.prefix(Self.longestMessage - 103) + " … " + message.suffix(100)
    }
}

/// Reads scenario files (YAML, one scenario per file; see docs/scenario-format.md).
public enum ScenarioParser {
    /// Sysctls each network namespace has its own of, which a scenario (or a
    /// run, for all its scenarios) may set inside its namespaces.
    public static let namespaceSysctls = ScenarioReader.namespaceSysctls

    /// Why `value` cannot be sysctl `name`'s (a --namespace-sysctl, say), or
    /// nil when it has the right shape: the check a scenario file gets.
    public static func sysctlProblem(_ name: String, _ value: String) -> String? {
        ScenarioReader.sysctlProblem(name, value)
    }

    /// Parses the scenario file at `path`; a file larger than
    /// `ScenarioLimits.fileBytes` is refused before it is read.
    public static func parse(contentsOf path: String) throws(ScenarioError) -> Scenario {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.uint64Value
        if let size, size > ScenarioLimits.fileBytes {
            throw ScenarioError(path: path, line: 1, column: 1, message: ScenarioLimits.tooLarge(size))
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ScenarioError(path: path, line: 1, column: 1, message: "cannot read the file")
        }
        return try parse(String(decoding: data, as: UTF8.self), path: path)
    }

    /// Parses scenario text; `path` is used in messages and in the report.
    public static func parse(_ text: String, path: String) throws(ScenarioError) -> Scenario {
        let size = UInt64(text.utf8.count)
        guard size <= ScenarioLimits.fileBytes else {
            throw ScenarioError(path: path, line: 1, column: 1, message: ScenarioLimits.tooLarge(size))
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw yamlError(error, text: text, path: path)
        } catch {
            throw ScenarioError(path: path, line: 1, column: 1, message: "YAML: \(error)")
        }
        guard let root else { throw ScenarioError(path: path, line: 1, column: 1, message: "the file is empty") }
        let reader = ScenarioReader(path: path)
        try reader.checkExpansion(root)
        return try reader.scenario(root)
    }

    /// A YAML error at the line and column it names (libyaml counts from 1;
    /// a reader error gives a byte offset instead).
    static func yamlError(_ error: YamlError, text: String, path: String) -> ScenarioError {
        func located(_ mark: Mark, _ problem: String, _ context: YamlError.Context?) -> ScenarioError {
            let within = context.map { " (\($0.text) at \($0.mark.line):\($0.mark.column))" } ?? ""
            return ScenarioError(path: path, line: mark.line, column: mark.column, message: "YAML: \(problem)\(within)")
        }
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            return located(mark, problem, context)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.sorted().map { "'\(ScenarioReader.clip($0))'" }.joined(separator: ", ")
            return located(context.mark, "a mapping has the same key more than once: \(keys) (this is its first use)", nil)
        case .reader(let problem, let offset, _, _):
            var (line, column) = (1, 1)
            for byte in text.utf8.prefix(offset ?? 0) {
                (line, column) = byte == UInt8(ascii: "\n") ? (line + 1, 1) : (line, column + 1)
            }
            return ScenarioError(path: path, line: line, column: column, message: "YAML: \(problem)")
        default:
            return ScenarioError(path: path, line: 1, column: 1, message: "YAML: \(error)")
        }
    }
}

/// Walks the YAML node tree, turning every problem into a located `ScenarioError`.
struct ScenarioReader {
    let path: String

    /// An error at `node`, or at the file's start when there is no node.
    func error(_ node: Node?, _ message: String) -> ScenarioError {
        ScenarioError(path: path, line: node?.mark?.line ?? 1, column: node?.mark?.column ?? 1, message: message)
    }

    /// A mapping's entries by key, after checking every key is one of `allowed`.
    func fields(_ node: Node, in section: String, allowed: [String]) throws(ScenarioError) -> [String: Node] {
        guard let mapping = node.mapping else { throw error(node, "\(section) must be a mapping of keys to values") }
        var result: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.string else { throw error(key, "keys in \(section) must be plain words") }
            guard allowed.contains(name) else {
                throw error(key, "unknown key '\(Self.clip(name))' in \(section) (expected one of: \(allowed.joined(separator: ", ")))")
            }
            result[name] = value
        }
        return result
    }

    func string(_ node: Node, _ what: String) throws(ScenarioError) -> String {
        guard let text = node.scalar?.string else { throw error(node, "\(what) must be a single value") }
        return text
    }

    func bool(_ node: Node, _ what: String) throws(ScenarioError) -> Bool {
        switch try string(node, what) {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        case let other: throw error(node, "\(what) must be true or false, not '\(Self.clip(other))'")
        }
    }

    func choice<T: RawRepresentable & CaseIterable>(_ node: Node, _ what: String, _: T.Type) throws(ScenarioError) -> T
    where T.RawValue == String {
        let text = try string(node, what)
        guard let value = T(rawValue: text) else {
            throw error(node, "\(what) '\(Self.clip(text))' is not one of: \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }

    func scenario(_ root: Node) throws(ScenarioError) -> Scenario {
        let top = try fields(root, in: "the scenario", allowed: [
            "name", "description", "tags", "topology", "file", "sender", "receiver", "capture", "actions", "expect", "simulate",
            "timeout", "port", "sysctls", "namespace_sysctls", "copy", "pipe", "program", "client", "strict", "loss",
        ])
        guard let nameNode = top["name"] else { throw error(root, "missing 'name'") }
        let name = try string(nameNode, "name")
        guard name.range(of: "^[A-Za-z0-9][A-Za-z0-9._-]*$", options: .regularExpression) != nil else {
            throw error(nameNode, "name '\(Self.clip(name))' may use letters, digits, '.', '_' and '-' only")
        }
        let keys = try workloadKeys(top, root: root)
        guard let fileNode = top["file"] else { throw error(root, "missing 'file' (at least its size)") }
        var tags: [String] = []
        if let node = top["tags"] {
            guard let sequence = node.sequence else { throw error(node, "tags must be a list, e.g. [basic, sendfile]") }
            for item in sequence { tags.append(try string(item, "a tag")) }
        }
        let timeout = try top["timeout"].map { (node) throws(ScenarioError) in try seconds(node, "timeout") } ?? 60
        let file = try testFile(fileNode)
        let receiver = try top["receiver"].map { (node) throws(ScenarioError) in try receiverSpec(node) }
            ?? ReceiverSpec(readSize: 256 << 10)
        let actions = try top["actions"].map { (node) throws(ScenarioError) in try actionList(node) } ?? []
        let workload = try readWorkload(keys, file: file)
        let capture = try top["capture"].map { (node) throws(ScenarioError) in try captureSpec(node) }
            ?? CaptureSpec(sides: [.receiver], snaplen: 262_144)
        if capture.payload == .marks && file.dataExtents == nil {
            throw error(top["capture"], "capture payload 'marks' needs file marks (or data ranges) to keep")
        }
        if capture.payload == .marks && workload.sender?.script != nil {
            throw error(top["capture"], "capture payload 'marks' is for whole-file transfers, not a script")
        }
        if let sender = workload.sender, let framing = sender.framing {
            guard sender.script == nil else { throw error(top["sender"], "a header is for whole-file transfers, not a script") }
            guard capture.payload == .full else { throw error(top["capture"], "capture payload 'marks' is for whole-file transfers, not a header") }
            guard framing.header <= file.size else {
                throw error(top["sender"], "the header (\(framing.header) bytes) is the file's first bytes, so it cannot be longer than the file")
            }
        }
        if let pause = receiver.pauseAfter, pause >= file.size {
            throw error(top["receiver"]?.mapping?["pause_after"], "pause_after (\(pause) bytes) must be less than the file's size (\(file.size) bytes): the receiver would never pause")
        }
        if receiver.pauseAfter != nil && !actions.contains(where: { $0.kind == .resumeReceiver }) {
            throw error(top["receiver"], "receiver pauses (pause_after) but no action resumes it (do: resume-receiver)")
        }
        var sysctls: [String: String] = [:]
        if let node = top["sysctls"] {
            for (key, value) in try fields(node, in: "sysctls", allowed: Self.settableSysctls) {
                sysctls[key] = try sysctlValue(value, key)
            }
        }
        var scenario = Scenario(
            name: name,
            description: try top["description"].map { (node) throws(ScenarioError) in try string(node, "description") } ?? "",
            tags: tags, path: path,
            topology: try top["topology"].map { (node) throws(ScenarioError) in try topology(node) } ?? TopologySpec(kind: .veth),
            file: file,
            workload: workload,
            receiver: receiver,
            capture: capture,
            actions: actions,
            expectations: try expectations(top["expect"], in: root),
            timeout: timeout,
            port: try top["port"].map { (node) throws(ScenarioError) in try integer(node, "port", UInt16(1)...UInt16.max) } ?? 5001)
        scenario.sysctls = sysctls
        scenario.strictKeys = try strictKeys(top["strict"], expectations: scenario.expectations)
        if let node = top["namespace_sysctls"] {
            for (key, value) in try fields(node, in: "namespace_sysctls", allowed: Self.namespaceSysctls) {
                scenario.namespaceSysctls[key] = try sysctlValue(value, key)
            }
        }
        scenario.fileOwner = try fileNode.mapping?["owner"].map { (node) throws(ScenarioError) in try integer(node, "owner", UInt32(0)...UInt32(65535)) }
        if let on = fileNode.mapping?["on"] {
            switch try string(on, "file on") {
            case "tmpfs": scenario.fileOnDisk = false
            case "disk": scenario.fileOnDisk = true
            case let other: throw error(on, "file on '\(Self.clip(other))' is not one of: tmpfs, disk")
            }
        }
        if case .program(let program, let client) = workload {
            scenario.port = program.port
            if client.command != nil, let node = top["actions"] ?? top["receiver"] {
                throw error(node, "an external client cannot be paused or staged: no receiver or actions with a client command")
            }
            if scenario.actions.contains(where: { $0.triggers.contains(.senderMarked) }) {
                throw error(top["actions"], "sender.marked is a zclab sender's; a program cannot mark")
            }
        }
        if let node = top["simulate"] {
            let items = try fields(node, in: "simulate", allowed: ["first_id", "sends"])
            let simulation = Simulation(
                firstID: try items["first_id"].map { (node) throws(ScenarioError) in try integer(node, "first_id", UInt32(0)...UInt32.max) } ?? 0,
                sends: try items["sends"].map { (node) throws(ScenarioError) in try integer(node, "sends", 1...(1 << 24)) })
            if let reason = ZerocopyScenarioModel.limitation(of: workload) { throw error(node, "simulate: \(reason)") }
            // The model covers zclab's sender only: with no limitation, the workload is a transfer.
            if case .transfer(let sender) = workload { scenario.workload = .simulation(simulation, sender) }
        }
        if let node = top["loss"] {
            let items = try fields(node, in: "loss", allowed: ["drop_from"])
            guard let from = items["drop_from"] else { throw error(node, "loss needs drop_from: the first data segment to drop, counted from 1") }
            scenario.loss = LossSpec(dropFrom: try integer(from, "drop_from", UInt64(1)...UInt64(100_000_000)))
            guard scenario.actions.contains(where: { $0.kind == .restoreLink }) else {
                throw error(node, "loss drops every data segment from drop_from on until an action restores the link (do: restore-link)")
            }
        } else if let action = scenario.actions.first(where: { $0.kind == .restoreLink }) {
            throw error(top["actions"], "restore-link (line \(action.line)) ends a loss the scenario does not set up (loss: {drop_from: N})")
        }
        if scenario.receiver.method != .spliceToFile, let action = scenario.actions.first(where: { if case .destination = $0.kind { true } else { false } }) {
            throw error(top["actions"], "the action at line \(action.line) changes the destination, which only receiver method splice-to-file writes")
        }
        try checkNicLimits(scenario, top)
        try checkDatagramLimits(scenario, top)
        return scenario
    }

    /// Machine-wide sysctls a scenario may change (under /proc/sys); each is
    /// restored after the scenario, and by `zclab clean` after a crash.
    /// Machine-wide sysctls a scenario may set (restored after it). The
    /// socket buffer ceilings are among them because SO_SNDBUF and SO_RCVBUF
    /// are capped by them, and kernels boot with 212992 where a tuned
    /// machine has more: a scenario that needs a large buffer says so.
    static let settableSysctls = ["fs/lease-break-time", "net/core/wmem_max", "net/core/rmem_max", "net/core/high_order_alloc_disable"]

    /// Sysctls each network namespace has its own of (set in the scenario's
    /// namespaces only; the machine's own are never touched).
    static let namespaceSysctls = ["net/core/optmem_max", "net/ipv4/tcp_wmem", "net/ipv4/tcp_rmem"]

    /// What each settable sysctl takes, as far as the file alone can tell:
    /// how many whole numbers, each within a range the kernel accepts
    /// (lease-break-time and optmem_max: one int >= 0; tcp_wmem and tcp_rmem:
    /// three ints >= 1, "min default max"). Whether the kernel then takes
    /// the value is known only when it is written.
    static let sysctlShapes: [String: (count: Int, range: ClosedRange<Int64>)] = [
        "fs/lease-break-time": (1, 0...Int64(Int32.max)),
        "net/core/wmem_max": (1, 0...Int64(Int32.max)),
        "net/core/rmem_max": (1, 0...Int64(Int32.max)),
        "net/core/high_order_alloc_disable": (1, 0...1),
        "net/core/optmem_max": (1, 0...Int64(Int32.max)),
        "net/ipv4/tcp_wmem": (3, 1...Int64(Int32.max)),
        "net/ipv4/tcp_rmem": (3, 1...Int64(Int32.max)),
    ]

    /// A sysctl's value, checked against `sysctlShapes`; kept as written
    /// (numbers separated by spaces), as /proc/sys takes it.
    func sysctlValue(_ node: Node, _ key: String) throws(ScenarioError) -> String {
        let text = try string(node, key)
        if let problem = Self.sysctlProblem(key, text) { throw error(node, problem) }
        return text
    }

    /// Why `text` cannot be sysctl `key`'s value, or nil when its shape is right.
    static func sysctlProblem(_ key: String, _ text: String) -> String? {
        guard let shape = sysctlShapes[key] else { return nil }
        let numbers = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map { Int64($0) }
        guard numbers.count == shape.count, numbers.allSatisfy({ $0.map(shape.range.contains) ?? false }) else {
            let what = shape.count == 1 ? "a whole number" : "\(shape.count) whole numbers separated by spaces"
            return "\(key) takes \(what) within \(shape.range.lowerBound) ... \(shape.range.upperBound), not '\(clip(text))'"
        }
        return nil
    }
}
