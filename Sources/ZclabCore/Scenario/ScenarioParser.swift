import Foundation
import Yams

/// An error in a scenario file, located by line and column.
public struct ScenarioError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let line: Int
    public let column: Int
    public let message: String
    public var description: String { "\(path):\(line):\(column): \(message)" }
}

/// Reads scenario files (YAML, one scenario per file; see docs/scenario-format.md).
public enum ScenarioParser {
    /// Sysctls each network namespace has its own of, which a scenario (or a
    /// run, for all its scenarios) may set inside its namespaces.
    public static let namespaceSysctls = ScenarioReader.namespaceSysctls

    /// Parses the scenario file at `path`.
    public static func parse(contentsOf path: String) throws(ScenarioError) -> Scenario {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ScenarioError(path: path, line: 0, column: 0, message: "cannot read the file")
        }
        return try parse(String(decoding: data, as: UTF8.self), path: path)
    }

    /// Parses scenario text; `path` is used in messages and in the report.
    public static func parse(_ text: String, path: String) throws(ScenarioError) -> Scenario {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw yamlError(error, path: path)
        } catch {
            throw ScenarioError(path: path, line: 0, column: 0, message: "\(error)")
        }
        guard let root else { throw ScenarioError(path: path, line: 1, column: 1, message: "the file is empty") }
        return try ScenarioReader(path: path).scenario(root)
    }

    private static func yamlError(_ error: YamlError, path: String) -> ScenarioError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _):
            let what = [context?.description, problem].compactMap { $0 }.joined(separator: ": ")
            return ScenarioError(path: path, line: mark.line, column: mark.column, message: "YAML: \(what)")
        default:
            return ScenarioError(path: path, line: 0, column: 0, message: "YAML: \(error)")
        }
    }
}

/// Walks the YAML node tree, turning every problem into a located `ScenarioError`.
struct ScenarioReader {
    let path: String

    func error(_ node: Node?, _ message: String) -> ScenarioError {
        ScenarioError(path: path, line: node?.mark?.line ?? 0, column: node?.mark?.column ?? 0, message: message)
    }

    /// A mapping's entries by key, after checking every key is one of `allowed`.
    func fields(_ node: Node, in section: String, allowed: [String]) throws(ScenarioError) -> [String: Node] {
        guard let mapping = node.mapping else { throw error(node, "\(section) must be a mapping of keys to values") }
        var result: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.string else { throw error(key, "keys in \(section) must be plain words") }
            guard allowed.contains(name) else {
                throw error(key, "unknown key '\(name)' in \(section) (expected one of: \(allowed.joined(separator: ", ")))")
            }
            result[name] = value
        }
        return result
    }

    func string(_ node: Node, _ what: String) throws(ScenarioError) -> String {
        guard let text = node.scalar?.string else { throw error(node, "\(what) must be a single value") }
        return text
    }

    func bytes(_ node: Node, _ what: String) throws(ScenarioError) -> UInt64 {
        let text = try string(node, what)
        guard let value = ByteCount.parse(text) else {
            throw error(node, "\(what): '\(text)' is not a byte count (e.g. 4096, 64KiB, 16MiB, 3GiB)")
        }
        return value
    }

    /// A byte count that may be negative ("-1", "-4KiB").
    func signedBytes(_ node: Node, _ what: String) throws(ScenarioError) -> Int64 {
        let text = try string(node, what)
        let negative = text.hasPrefix("-")
        guard let magnitude = ByteCount.parse(negative ? String(text.dropFirst()) : text), magnitude <= UInt64(Int64.max) else {
            throw error(node, "\(what): '\(text)' is not a byte count (e.g. 4GiB, -1)")
        }
        return negative ? -Int64(magnitude) : Int64(magnitude)
    }

    func integer<T: FixedWidthInteger>(_ node: Node, _ what: String, _ range: ClosedRange<T>) throws(ScenarioError) -> T {
        let value = try bytes(node, what)
        guard let fitted = T(exactly: value), range.contains(fitted) else {
            throw error(node, "\(what) must be within \(range.lowerBound) ... \(range.upperBound), not \(value)")
        }
        return fitted
    }

    func bool(_ node: Node, _ what: String) throws(ScenarioError) -> Bool {
        switch try string(node, what) {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        case let other: throw error(node, "\(what) must be true or false, not '\(other)'")
        }
    }

    func choice<T: RawRepresentable & CaseIterable>(_ node: Node, _ what: String, _: T.Type) throws(ScenarioError) -> T
    where T.RawValue == String {
        let text = try string(node, what)
        guard let value = T(rawValue: text) else {
            throw error(node, "\(what) '\(text)' is not one of: \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }

    func scenario(_ root: Node) throws(ScenarioError) -> Scenario {
        let top = try fields(root, in: "the scenario", allowed: [
            "name", "description", "tags", "topology", "file", "sender", "receiver", "capture", "actions", "expect", "simulate",
            "timeout", "port", "sysctls", "namespace_sysctls", "copy", "program", "client",
        ])
        guard let nameNode = top["name"] else { throw error(root, "missing 'name'") }
        let name = try string(nameNode, "name")
        guard name.range(of: "^[A-Za-z0-9][A-Za-z0-9._-]*$", options: .regularExpression) != nil else {
            throw error(nameNode, "name '\(name)' may use letters, digits, '.', '_' and '-' only")
        }
        let copy = try top["copy"].map { (node) throws(ScenarioError) in try copySpec(node) }
        if copy != nil, let node = top["sender"] ?? top["receiver"] ?? top["capture"] ?? top["actions"] {
            throw error(node, "a copy scenario has no sender, receiver, capture or actions")
        }
        let program = try top["program"].map { (node) throws(ScenarioError) in try programSpec(node) }
        if program != nil, let node = top["sender"] ?? top["copy"] {
            throw error(node, "a program scenario has no sender or copy: the program sends")
        }
        if program != nil && top["client"] == nil { throw error(root, "a program needs a 'client' (at least its request)") }
        if program == nil, let node = top["client"] { throw error(node, "a client is for a program scenario ('program:')") }
        if copy == nil && program == nil && top["sender"] == nil {
            throw error(root, "missing 'sender' (at least its method), 'program' or 'copy'")
        }
        guard let fileNode = top["file"] else { throw error(root, "missing 'file' (at least its size)") }
        var tags: [String] = []
        if let node = top["tags"] {
            guard let sequence = node.sequence else { throw error(node, "tags must be a list, e.g. [basic, sendfile]") }
            for item in sequence { tags.append(try string(item, "a tag")) }
        }
        var timeout = 60.0
        if let node = top["timeout"] {
            guard let seconds = Double(try string(node, "timeout")), seconds > 0 else {
                throw error(node, "timeout must be a number of seconds")
            }
            timeout = seconds
        }
        let file = try testFile(fileNode)
        let receiver = try top["receiver"].map { (node) throws(ScenarioError) in try receiverSpec(node) }
            ?? ReceiverSpec(readSize: 256 << 10)
        let actions = try top["actions"].map { (node) throws(ScenarioError) in try actionList(node) } ?? []
        // A copy scenario has no sender; the placeholder is never used.
        let sender = try top["sender"].map { (node) throws(ScenarioError) in try senderSpec(node) }
            ?? SenderSpec(method: .sendfile, privateMapping: false)
        let capture = try top["capture"].map { (node) throws(ScenarioError) in try captureSpec(node) }
            ?? CaptureSpec(sides: [.receiver], snaplen: 262_144)
        if capture.payload == .marks && file.dataExtents == nil {
            throw error(top["capture"], "capture payload 'marks' needs file marks (or data ranges) to keep")
        }
        if capture.payload == .marks && sender.script != nil {
            throw error(top["capture"], "capture payload 'marks' is for whole-file transfers, not a script")
        }
        if let framing = sender.framing {
            guard sender.script == nil else { throw error(top["sender"], "a header is for whole-file transfers, not a script") }
            guard capture.payload == .full else { throw error(top["capture"], "capture payload 'marks' is for whole-file transfers, not a header") }
            guard framing.header <= file.size else {
                throw error(top["sender"], "the header (\(framing.header) bytes) is the file's first bytes, so it cannot be longer than the file")
            }
        }
        if receiver.pauseAfter != nil && !actions.contains(where: { $0.kind == .resumeReceiver }) {
            throw error(top["receiver"], "receiver pauses (pause_after) but no action resumes it (do: resume-receiver)")
        }
        var sysctls: [String: String] = [:]
        if let node = top["sysctls"] {
            for (key, value) in try fields(node, in: "sysctls", allowed: Self.settableSysctls) {
                sysctls[key] = try string(value, key)
            }
        }
        var scenario = Scenario(
            name: name,
            description: try top["description"].map { (node) throws(ScenarioError) in try string(node, "description") } ?? "",
            tags: tags, path: path,
            topology: try top["topology"].map { (node) throws(ScenarioError) in try topology(node) } ?? TopologySpec(kind: .veth),
            file: file,
            sender: sender,
            receiver: receiver,
            capture: capture,
            actions: actions,
            expectations: try top["expect"].map { (node) throws(ScenarioError) in try expectations(node) } ?? [],
            timeout: timeout,
            port: try top["port"].map { (node) throws(ScenarioError) in try integer(node, "port", UInt16(1)...UInt16.max) } ?? 5001)
        scenario.sysctls = sysctls
        if let node = top["namespace_sysctls"] {
            for (key, value) in try fields(node, in: "namespace_sysctls", allowed: Self.namespaceSysctls) {
                scenario.namespaceSysctls[key] = try string(value, key)
            }
        }
        scenario.copy = copy
        scenario.fileOwner = try fileNode.mapping?["owner"].map { (node) throws(ScenarioError) in try integer(node, "owner", UInt32(0)...UInt32(65535)) }
        if let on = fileNode.mapping?["on"] {
            switch try string(on, "file on") {
            case "tmpfs": scenario.fileOnDisk = false
            case "disk": scenario.fileOnDisk = true
            case let other: throw error(on, "file on '\(other)' is not one of: tmpfs, disk")
            }
        }
        scenario.program = program
        scenario.client = try top["client"].map { (node) throws(ScenarioError) in try clientSpec(node) }
        if let program {
            scenario.port = program.port
            if scenario.client?.command != nil, let node = top["actions"] ?? top["receiver"] {
                throw error(node, "an external client cannot be paused or staged: no receiver or actions with a client command")
            }
            if scenario.actions.contains(where: { $0.triggers.contains(.senderMarked) }) {
                throw error(top["actions"], "sender.marked is a zclab sender's; a program cannot mark")
            }
        }
        if let node = top["simulate"] {
            let items = try fields(node, in: "simulate", allowed: ["first_id", "sends"])
            scenario.simulation = Simulation(
                firstID: try items["first_id"].map { (node) throws(ScenarioError) in try integer(node, "first_id", UInt32(0)...UInt32.max) } ?? 0,
                sends: try items["sends"].map { (node) throws(ScenarioError) in try integer(node, "sends", 1...(1 << 24)) })
            if let reason = ZerocopyScenarioModel.limitation(of: scenario) { throw error(node, "simulate: \(reason)") }
        }
        return scenario
    }

    /// Machine-wide sysctls a scenario may change (under /proc/sys); each is
    /// restored after the scenario, and by `zclab clean` after a crash.
    static let settableSysctls = ["fs/lease-break-time"]

    /// Sysctls each network namespace has its own of (set in the scenario's
    /// namespaces only; the machine's own are never touched).
    static let namespaceSysctls = ["net/core/optmem_max", "net/ipv4/tcp_wmem", "net/ipv4/tcp_rmem"]

    func topology(_ node: Node) throws(ScenarioError) -> TopologySpec {
        let items = try fields(node, in: "topology", allowed: ["kind", "mtu", "ipv6", "sender_features", "receiver_features"])
        var spec = TopologySpec(kind: .veth)
        if let kind = items["kind"] {
            switch try string(kind, "topology kind") {
            case "veth": spec.kind = .veth
            case "loopback": spec.kind = .loopback
            case let other: throw error(kind, "topology kind '\(other)' is not one of: veth, loopback")
            }
        }
        if let mtu = items["mtu"] { spec.mtu = try integer(mtu, "mtu", 68...65535) }
        if let ipv6 = items["ipv6"] { spec.ipv6 = try bool(ipv6, "ipv6") }
        if let features = items["sender_features"] { spec.senderFeatures = try featureSettings(features, "sender_features") }
        if let features = items["receiver_features"] { spec.receiverFeatures = try featureSettings(features, "receiver_features") }
        return spec
    }

    /// A mapping of feature names to on/off: short names as `ethtool -K`
    /// takes them, or the kernel's own (tx-tcp-segmentation).
    func featureSettings(_ node: Node, _ what: String) throws(ScenarioError) -> [String: Bool] {
        guard let mapping = node.mapping, !mapping.isEmpty else {
            throw error(node, "\(what) must map feature names to on or off, e.g. {tso: off, gro: on}")
        }
        var settings: [String: Bool] = [:]
        for (key, value) in mapping {
            let name = try string(key, "a feature name")
            guard InterfaceFeatures.shortNames.contains(name) || name.contains("-") else {
                throw error(key, "unknown feature '\(name)' (short names: \(InterfaceFeatures.shortNames.joined(separator: ", ")); or a kernel name such as tx-tcp-segmentation)")
            }
            settings[name] = try bool(value, "feature \(name)")
        }
        return settings
    }

    func testFile(_ node: Node) throws(ScenarioError) -> TestFileSpec {
        let items = try fields(node, in: "file", allowed: ["size", "seed", "data", "marks", "mark_window", "owner", "on"])
        guard let sizeNode = items["size"] else { throw error(node, "file needs a size") }
        var spec = TestFileSpec(size: try bytes(sizeNode, "file size"), seed: 1)
        if let seed = items["seed"] { spec.seed = try bytes(seed, "seed") }
        if let data = items["data"] {
            guard let list = data.sequence else {
                throw error(data, "data must be a list of ranges like \"0..1MiB\" (the rest of the file is holes)")
            }
            var extents: [ByteRange] = []
            for item in list {
                let text = try string(item, "a data range")
                let bounds = text.components(separatedBy: "..")
                guard bounds.count == 2, let lower = ByteCount.parse(bounds[0]), let upper = ByteCount.parse(bounds[1]),
                    lower < upper, upper <= spec.size
                else { throw error(item, "'\(text)' is not a range START..END within the file (e.g. 0..1MiB)") }
                if let last = extents.last, lower < last.upper {
                    throw error(item, "data ranges must be in order and not overlap")
                }
                extents.append(ByteRange(lower: lower, upper: upper))
            }
            spec.dataExtents = extents
        }
        if let marks = items["marks"] {
            guard items["data"] == nil else { throw error(marks, "give data ranges or marks, not both") }
            guard let list = marks.sequence, !list.isEmpty else {
                throw error(marks, "marks must be a list of offsets, e.g. [2GiB-1, 4GiB, end]")
            }
            let window = try items["mark_window"].map { (node) throws(ScenarioError) in try bytes(node, "mark_window") } ?? 64 << 10
            var offsets: [UInt64] = []
            for item in list {
                let text = try string(item, "a mark")
                guard let offset = text == "end" ? spec.size - 1 : ByteCount.parse(text), offset < spec.size else {
                    throw error(item, "mark '\(text)' is not an offset within the file (or 'end')")
                }
                offsets.append(offset)
            }
            spec.dataExtents = TestFileSpec.extents(around: offsets, window: window, size: spec.size)
        }
        return spec
    }

    func senderSpec(_ node: Node) throws(ScenarioError) -> SenderSpec {
        let items = try fields(node, in: "sender", allowed: [
            "method", "chunk", "send_buffer", "pipe_size", "mapping", "map_window", "touch_after_short_write", "lease", "script",
            "zerocopy", "header", "cork", "more", "nodelay", "io_uring", "rewrite_after_send",
        ])
        guard let methodNode = items["method"] else { throw error(node, "sender needs a method") }
        var spec = SenderSpec(method: try choice(methodNode, "sender method", SendMethod.self), privateMapping: false)
        if let chunk = items["chunk"] { spec.chunk = try integer(chunk, "chunk", UInt64(1)...UInt64(Int.max)) }
        if let buffer = items["send_buffer"] { spec.sendBuffer = try integer(buffer, "send_buffer", Int32(1)...Int32.max) }
        if let pipe = items["pipe_size"] { spec.pipeSize = try integer(pipe, "pipe_size", 4096...(1 << 30)) }
        if let window = items["map_window"] { spec.mapWindow = try integer(window, "map_window", UInt64(4096)...UInt64(Int.max)) }
        if let touch = items["touch_after_short_write"] {
            try only(.touchAfterShortWrite, touch, spec.method)
            spec.touchAfterShortWrite = try bool(touch, "touch_after_short_write")
        }
        if let lease = items["lease"] { spec.lease = try leaseSpec(lease) }
        if let header = items["header"] {
            var framing = HeaderFraming(header: try bytes(header, "header"))
            guard framing.header > 0 else { throw error(header, "header must be at least 1 byte") }
            if let cork = items["cork"] {
                try only(.cork, cork, spec.method)
                framing.cork = try bool(cork, "cork")
            }
            if let more = items["more"] {
                try only(.more, more, spec.method)
                framing.more = try bool(more, "more")
            }
            if let nodelay = items["nodelay"] { framing.nodelay = try bool(nodelay, "nodelay") }
            spec.framing = framing
        } else if let option = items["cork"] ?? items["more"] ?? items["nodelay"] {
            throw error(option, "cork, more and nodelay go with a header (header: 200)")
        }
        if let zerocopy = items["zerocopy"] {
            try only(.zerocopy, zerocopy, spec.method)
            let fields = try fields(zerocopy, in: "zerocopy", allowed: ["enable", "read_every", "socket", "steps", "memlock"])
            var options = ZerocopyOptions()
            if let enable = fields["enable"] { options.enable = try bool(enable, "enable") }
            if let every = fields["read_every"] { options.readEvery = try integer(every, "read_every", UInt32(0)...UInt32.max) }
            if let socket = fields["socket"] { options.socket = try choice(socket, "zerocopy socket", ZerocopyOptions.SocketKind.self) }
            if let memlock = fields["memlock"] { options.memlock = try bytes(memlock, "memlock") }
            if let steps = fields["steps"] { options.steps = try zerocopySteps(steps) }
            if options.socket != .tcp && options.steps == nil { throw error(zerocopy, "a UDP socket needs steps (the whole-file transfer is TCP)") }
            spec.zerocopy = options
        }
        if let rewrite = items["rewrite_after_send"] {
            try only(.rewriteAfterSend, rewrite, spec.method)
            spec.rewriteAfterSend = try bytes(rewrite, "rewrite_after_send")
        }
        if let uring = items["io_uring"] {
            try only(.ioUring, uring, spec.method)
            let fields = try fields(uring, in: "io_uring", allowed: ["report_usage", "fixed_buffer", "wait_all", "misuse"])
            var options = IoUringSendOptions()
            if let value = fields["report_usage"] { options.reportUsage = try bool(value, "report_usage") }
            if let value = fields["fixed_buffer"] { options.fixedBuffer = try bool(value, "fixed_buffer") }
            if let value = fields["wait_all"] { options.waitAll = try bool(value, "wait_all") }
            if let value = fields["misuse"] { options.misuse = try choice(value, "io_uring misuse", IoUringSendOptions.Misuse.self) }
            spec.uring = options
        }
        if let script = items["script"] {
            try only(.script, script, spec.method)
            guard let list = script.sequence, !list.isEmpty else {
                throw error(script, "script must be a list of calls like {offset: 4GiB, count: 4KiB}")
            }
            var calls: [ScriptedCall] = []
            for item in list {
                let fields = try fields(item, in: "a scripted call", allowed: ["offset", "count", "lseek"])
                guard let count = fields["count"] else { throw error(item, "a scripted call needs a count") }
                calls.append(ScriptedCall(
                    lseek: try fields["lseek"].map { (node) throws(ScenarioError) in try signedBytes(node, "lseek") },
                    offset: try fields["offset"].map { (node) throws(ScenarioError) in try signedBytes(node, "offset") },
                    count: try bytes(count, "count")))
            }
            spec.script = calls
        }
        if let mapping = items["mapping"] {
            switch try string(mapping, "mapping") {
            case "shared": spec.privateMapping = false
            case "private": spec.privateMapping = true
            case let other: throw error(mapping, "mapping '\(other)' is not one of: shared, private")
            }
        }
        return spec
    }

    /// Refuses `option` unless `method` reads it, naming the methods that do.
    func only(_ option: SenderOption, _ node: Node, _ method: SendMethod) throws(ScenarioError) {
        guard !method.accepts(option) else { return }
        let methods = SendMethod.accepting(option).map(\.rawValue).joined(separator: ", ")
        throw error(node, "\(option.rawValue) is for method \(methods), not \(method.rawValue)")
    }

    func copySpec(_ node: Node) throws(ScenarioError) -> CopySpec {
        let items = try fields(node, in: "copy", allowed: ["method", "to", "chunk"])
        guard let method = items["method"] else { throw error(node, "copy needs a method (sendfile or copy_file_range)") }
        var spec = CopySpec(method: try choice(method, "copy method", CopyMethod.self), destination: .tmpfs)
        if let to = items["to"] { spec.destination = try choice(to, "copy to", CopySpec.Destination.self) }
        if let chunk = items["chunk"] { spec.chunk = try integer(chunk, "chunk", UInt64(1)...UInt64(Int.max)) }
        return spec
    }

    func leaseSpec(_ node: Node) throws(ScenarioError) -> LeaseSpec {
        let items = try fields(node, in: "lease", allowed: [
            "type", "signal", "on_break", "handler", "restart", "on", "open_for_writing", "extra_descriptor", "drop_cap_lease",
        ])
        func leaseType(_ node: Node, _ what: String, _ words: [String: LeaseType]) throws(ScenarioError) -> LeaseType {
            let text = try string(node, what)
            guard let type = words[text] else {
                throw error(node, "\(what) '\(text)' is not one of: \(words.keys.sorted().joined(separator: ", "))")
            }
            return type
        }
        guard let typeNode = items["type"] else { throw error(node, "lease needs a type (read or write)") }
        var spec = LeaseSpec(
            type: try leaseType(typeNode, "lease type", ["read": .read, "write": .write]),
            signal: nil, onBreak: nil, handler: true, restart: true, target: .file,
            openForWriting: false, extraDescriptor: false, dropCapLease: false)
        if let signal = items["signal"] {
            let name = try string(signal, "signal")
            guard SignalNames.number(name) != nil else { throw error(signal, "signal '\(name)' is not SIGIO or SIGRTMIN+N") }
            spec.signal = name
        }
        if let onBreak = items["on_break"] {
            switch try string(onBreak, "on_break") {
            case "nothing": spec.onBreak = nil
            case "release": spec.onBreak = LeaseType.none
            case "downgrade": spec.onBreak = .read
            case let other: throw error(onBreak, "on_break '\(other)' is not one of: nothing, release, downgrade")
            }
        }
        if let handler = items["handler"] { spec.handler = try bool(handler, "handler") }
        if let restart = items["restart"] { spec.restart = try bool(restart, "restart") }
        if let on = items["on"] { spec.target = try choice(on, "lease on", LeaseSpec.Target.self) }
        if let open = items["open_for_writing"] { spec.openForWriting = try bool(open, "open_for_writing") }
        if let extra = items["extra_descriptor"] { spec.extraDescriptor = try bool(extra, "extra_descriptor") }
        if let drop = items["drop_cap_lease"] { spec.dropCapLease = try bool(drop, "drop_cap_lease") }
        return spec
    }

    func receiverSpec(_ node: Node) throws(ScenarioError) -> ReceiverSpec {
        let items = try fields(node, in: "receiver", allowed: ["read_size", "pause_after", "receive_buffer"])
        var spec = ReceiverSpec(readSize: 256 << 10)
        if let size = items["read_size"] { spec.readSize = try integer(size, "read_size", 1...(1 << 30)) }
        if let pause = items["pause_after"] { spec.pauseAfter = try bytes(pause, "pause_after") }
        if let buffer = items["receive_buffer"] { spec.receiveBuffer = try integer(buffer, "receive_buffer", Int32(1)...Int32.max) }
        return spec
    }

    /// A MSG_ZEROCOPY script: `send: 64KiB`, `send_until_error: 64KiB`,
    /// `read: all` or `read: one`, `modify: 4KiB`, or the words `poll`,
    /// `mark`, `wait`, `complete`, `shutdown`, `read`.
    func zerocopySteps(_ node: Node) throws(ScenarioError) -> [ZerocopyStep] {
        let usage = "steps must be a list of send: BYTES, send_until_error: BYTES, read: all|one, modify: BYTES, poll, mark, wait, complete or shutdown"
        guard let list = node.sequence, !list.isEmpty else { throw error(node, usage) }
        var steps: [ZerocopyStep] = []
        for item in list {
            if let word = item.scalar?.string {
                switch word {
                case "poll": steps.append(.poll)
                case "mark": steps.append(.mark)
                case "wait": steps.append(.wait)
                case "complete": steps.append(.complete)
                case "shutdown": steps.append(.shutdown)
                case "read": steps.append(.read(all: true))
                default: throw error(item, "unknown step '\(word)': \(usage)")
                }
                continue
            }
            let fields = try fields(item, in: "a step", allowed: ["send", "send_until_error", "read", "modify"])
            guard fields.count == 1, let (key, value) = fields.first else { throw error(item, "a step is one of: \(usage)") }
            switch key {
            case "send": steps.append(.send(try bytes(value, "send")))
            case "send_until_error": steps.append(.sendUntilError(try bytes(value, "send_until_error")))
            case "modify": steps.append(.modify(try bytes(value, "modify")))
            default:
                switch try string(value, "read") {
                case "all": steps.append(.read(all: true))
                case "one": steps.append(.read(all: false))
                case let other: throw error(value, "read '\(other)' is not one of: all, one")
                }
            }
        }
        return steps
    }

    func programSpec(_ node: Node) throws(ScenarioError) -> ProgramSpec {
        let items = try fields(node, in: "program", allowed: ["command", "files", "port", "ready_line", "needs", "blocks_in"])
        guard let commandNode = items["command"], let list = commandNode.sequence, !list.isEmpty else {
            throw error(node, "a program needs a command: a list of words, e.g. [python3, \"{scenario_dir}/server.py\", \"{address}\", \"{port}\"]")
        }
        var command: [String] = []
        for word in list { command.append(try string(word, "a word of the command")) }
        guard let portNode = items["port"] else { throw error(node, "a program needs the port it listens on") }
        var files: [String: String] = [:]
        if let filesNode = items["files"] {
            guard let mapping = filesNode.mapping else { throw error(filesNode, "files must map file names to their text") }
            for (key, text) in mapping {
                let name = try string(key, "a file name")
                guard !name.contains("/") else { throw error(key, "file names in files are plain names, not paths: \(name)") }
                files[name] = try string(text, name)
            }
        }
        var needs: [String] = []
        if let node = items["needs"] {
            guard let sequence = node.sequence else { throw error(node, "needs must be a list of executables, e.g. [nginx]") }
            for item in sequence { needs.append(try string(item, "an executable")) }
        }
        return ProgramSpec(
            command: command, files: files, port: try integer(portNode, "port", UInt16(1)...UInt16.max),
            readyLine: try items["ready_line"].map { (node) throws(ScenarioError) in try string(node, "ready_line") },
            needs: needs, blocksIn: try items["blocks_in"].map { (node) throws(ScenarioError) in try string(node, "blocks_in") } ?? "sendfile")
    }

    func clientSpec(_ node: Node) throws(ScenarioError) -> ClientSpec {
        let items = try fields(node, in: "client", allowed: ["request", "http", "again", "idle_timeout", "command", "record"])
        if let commandNode = items["command"] {
            guard let list = commandNode.sequence, !list.isEmpty else { throw error(commandNode, "command must be a list of words") }
            guard items["request"] == nil else { throw error(commandNode, "a client is zclab's (request) or an external command, not both") }
            var spec = ClientSpec(request: "", http: false, again: false, idleTimeout: 5)
            var command: [String] = []
            for word in list { command.append(try string(word, "a word of the command")) }
            spec.command = command
            if let record = items["record"] {
                guard let mapping = record.mapping else { throw error(record, "record maps names to JSON paths, e.g. {bytes: end.sum_received.bytes}") }
                for (key, value) in mapping { spec.record[try string(key, "a record name")] = try string(value, "a JSON path") }
            }
            return spec
        }
        guard let request = items["request"] else { throw error(node, "a client needs a request (the bytes it writes once connected), or a command") }
        var spec = ClientSpec(request: try string(request, "request"), http: true, again: false, idleTimeout: 5)
        if let http = items["http"] { spec.http = try bool(http, "http") }
        if let again = items["again"] { spec.again = try bool(again, "again") }
        if let timeout = items["idle_timeout"] {
            guard let seconds = Double(try string(timeout, "idle_timeout")), seconds > 0 else { throw error(timeout, "idle_timeout must be seconds") }
            spec.idleTimeout = seconds
        }
        return spec
    }

    func captureSpec(_ node: Node) throws(ScenarioError) -> CaptureSpec {
        let items = try fields(node, in: "capture", allowed: ["on", "snaplen", "buffer_size", "payload"])
        var spec = CaptureSpec(sides: [.receiver], snaplen: 262_144)
        if let on = items["on"] {
            switch try string(on, "capture on") {
            case "receiver": spec.sides = [.receiver]
            case "sender": spec.sides = [.sender]
            case "both": spec.sides = [.receiver, .sender]
            case let other: throw error(on, "capture on '\(other)' is not one of: receiver, sender, both")
            }
        }
        if let snaplen = items["snaplen"] { spec.snaplen = try integer(snaplen, "snaplen", Int32(64)...Int32(262_144)) }
        if let size = items["buffer_size"] { spec.bufferSize = try integer(size, "buffer_size", Int32(1 << 20)...Int32(1 << 30)) }
        if let payload = items["payload"] { spec.payload = try choice(payload, "capture payload", CaptureSpec.Payload.self) }
        return spec
    }

    func actionList(_ node: Node) throws(ScenarioError) -> [Action] {
        guard let list = node.sequence else { throw error(node, "actions must be a list of {when: EVENT, do: ACTION}") }
        var actions: [Action] = []
        for item in list {
            let items = try fields(item, in: "an action", allowed: ["when", "do", "to", "offset", "length", "seed", "flags", "on", "set", "bytes"])
            guard let when = items["when"], let what = items["do"] else { throw error(item, "an action needs both 'when' and 'do'") }
            func required(_ key: String) throws(ScenarioError) -> UInt64 {
                guard let node = items[key] else { throw error(what, "'\(try string(what, "do"))' needs '\(key)'") }
                return try bytes(node, key)
            }
            let kind: Action.Kind
            switch try string(what, "do") {
            case "resume-receiver": kind = .resumeReceiver
            case "truncate": kind = .file(.truncate(size: try required("to")))
            case "overwrite":
                kind = .file(.overwrite(offset: try required("offset"), length: try required("length"), seed: try required("seed")))
            case "ftruncate": kind = .file(.ftruncate(size: try required("to")))
            case "open":
                guard let list = items["flags"]?.sequence, !list.isEmpty else {
                    throw error(what, "'open' needs flags, e.g. [O_WRONLY, O_TRUNC]")
                }
                var flags: [String] = []
                for flag in list {
                    let name = try string(flag, "a flag")
                    guard FileOperation.openFlags[name] != nil else {
                        throw error(flag, "flag '\(name)' is not one of: \(FileOperation.openFlags.keys.sorted().joined(separator: ", "))")
                    }
                    flags.append(name)
                }
                kind = .file(.open(flags: flags))
            case "features":
                guard let set = items["set"] else { throw error(what, "'features' needs set, e.g. {tso: off}") }
                let side = try items["on"].map { (node) throws(ScenarioError) in try choice(node, "on", CaptureSpec.Side.self) } ?? .sender
                kind = .features(side: side, settings: try featureSettings(set, "set"))
            case let other: throw error(what, "do '\(other)' is not one of: resume-receiver, truncate, ftruncate, open, overwrite, features")
            }
            var triggers: [Action.Trigger] = []
            for node in when.sequence.map(Array.init) ?? [when] {
                triggers.append(try choice(node, "when", Action.Trigger.self))
            }
            var wireBytes: UInt64?
            if triggers.contains(.wireBytes) {
                guard let node = items["bytes"] else { throw error(when, "wire.bytes needs bytes: how many the capture must have seen, e.g. 8MiB") }
                wireBytes = try bytes(node, "bytes")
            } else if let node = items["bytes"] {
                throw error(node, "bytes is for the trigger wire.bytes")
            }
            if triggers.contains(.previousDone) && actions.isEmpty { throw error(when, "the first action cannot wait for a previous one") }
            actions.append(Action(triggers: triggers, kind: kind, line: item.mark?.line ?? 0, wireBytes: wireBytes))
        }
        return actions
    }

    func expectations(_ node: Node) throws(ScenarioError) -> [Expectation] {
        guard let mapping = node.mapping else { throw error(node, "expect must map observation keys to expected values") }
        var result: [Expectation] = []
        for (keyNode, valueNode) in mapping {
            guard let key = keyNode.string else { throw error(keyNode, "expectation keys are words like wire.matches") }
            guard ObservationKeys.isKnown(key) else {
                throw error(keyNode, "unknown observation '\(key)' (see docs/scenario-format.md for the list)")
            }
            result.append(Expectation(key: key, matcher: try matcher(valueNode, key), line: keyNode.mark?.line ?? 0))
        }
        return result
    }

    /// A value ("16MiB", "EPIPE", true), a range {min:, max:}, or {one_of: [...]}.
    func matcher(_ node: Node, _ key: String) throws(ScenarioError) -> Matcher {
        if node.mapping != nil {
            let items = try fields(node, in: key, allowed: ["min", "max", "one_of"])
            if let choices = items["one_of"] {
                guard let list = choices.sequence, !list.isEmpty else { throw error(choices, "one_of must be a non-empty list") }
                var values: [ObservedValue] = []
                for item in list { values.append(try value(item, key)) }
                return .oneOf(values)
            }
            let low = try items["min"].map { (node) throws(ScenarioError) in Int64(try bytes(node, "min")) }
            let high = try items["max"].map { (node) throws(ScenarioError) in Int64(try bytes(node, "max")) }
            guard low != nil || high != nil else { throw error(node, "a range needs min, max or both") }
            return .range(min: low, max: high)
        }
        return .equals(try value(node, key))
    }

    /// An expected value: a flag, a byte count or number, or text; quoted
    /// text ("0-2", "OUT|ERR") is always text.
    func value(_ node: Node, _ key: String) throws(ScenarioError) -> ObservedValue {
        let text = try string(node, key)
        if let style = node.scalar?.style, style == .doubleQuoted || style == .singleQuoted { return .text(text) }
        if ["true", "false"].contains(text) { return .flag(text == "true") }
        if let number = ByteCount.parse(text) { return .number(Int64(number)) }
        if text.hasPrefix("-"), let number = Int64(text) { return .number(number) }
        return .text(text)
    }
}
