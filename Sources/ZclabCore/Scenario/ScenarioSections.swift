import Foundation
import Yams

/// The sections that describe what a scenario sets up and sends: topology,
/// test file, sender (with its lease and MSG_ZEROCOPY script), copy and receiver.
extension ScenarioReader {
    func topology(_ node: Node) throws(ScenarioError) -> TopologySpec {
        let items = try fields(node, in: "topology", allowed: ["kind", "direction", "mtu", "ipv6", "sender_features", "receiver_features"])
        var spec = TopologySpec(kind: .veth)
        if let kind = items["kind"] {
            switch try string(kind, "topology kind") {
            case "veth": spec.kind = .veth
            case "loopback": spec.kind = .loopback
            case "nic": spec.kind = .nic
            case let other: throw error(kind, "topology kind '\(Self.clip(other))' is not one of: veth, loopback, nic")
            }
        }
        if let direction = items["direction"] {
            guard spec.kind == .nic else { throw error(direction, "direction is for kind nic: which of the two hosts sends") }
            spec.direction = try choice(direction, "direction", TopologySpec.Direction.self)
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
                throw error(key, "unknown feature '\(Self.clip(name))' (short names: \(InterfaceFeatures.shortNames.joined(separator: ", ")); or a kernel name such as tx-tcp-segmentation)")
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
                else { throw error(item, "'\(Self.clip(text))' is not a range START..END within the file (e.g. 0..1MiB)") }
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
                guard let offset = text == "end" ? spec.size.subtractingReportingOverflow(1).partialValue : ByteCount.parse(text),
                      offset < spec.size else {
                    throw error(item, "mark '\(Self.clip(text))' is not an offset within the file (or 'end')")
                }
                offsets.append(offset)
            }
            spec.dataExtents = TestFileSpec.extents(around: offsets, window: window, size: spec.size)
        }
        return spec
    }

    /// The keys every sender reads, whatever its method.
    static let commonSenderKeys = ["method", "chunk", "send_buffer", "lease", "header", "cork", "more", "nodelay", "transport"]

    func senderSpec(_ node: Node) throws(ScenarioError) -> SenderSpec {
        let pathKeys = SendMethod.allCases.flatMap(\.options)
        var allowed = Self.commonSenderKeys
        for key in pathKeys where !allowed.contains(key) { allowed.append(key) }
        let items = try fields(node, in: "sender", allowed: allowed)
        guard let methodNode = items["method"] else { throw error(node, "sender needs a method") }
        let method = try choice(methodNode, "sender method", SendMethod.self)
        for (key, value) in items where !Self.commonSenderKeys.contains(key) && !method.options.contains(key) {
            let methods = SendMethod.allCases.filter { $0.options.contains(key) }.map(\.rawValue).joined(separator: ", ")
            throw error(value, "\(key) is for method \(methods), not \(method.rawValue)")
        }
        var spec = SenderSpec(method: method, options: try method.path.readOptions(self, items))
        if let chunk = items["chunk"] { spec.chunk = try integer(chunk, "chunk", UInt64(1)...UInt64(Int.max)) }
        if let buffer = items["send_buffer"] { spec.sendBuffer = try integer(buffer, "send_buffer", Int32(1)...Int32.max) }
        if let lease = items["lease"] { spec.lease = try leaseSpec(lease) }
        if let transport = items["transport"] {
            spec.transport = try choice(transport, "transport", Transport.self)
            if spec.transport == .udp, !method.path.sendsDatagrams {
                let methods = SendMethod.allCases.filter { $0.path.sendsDatagrams }.map(\.rawValue).joined(separator: ", ")
                throw error(transport, "transport udp is for method \(methods), not \(method.rawValue)")
            }
            if spec.transport == .udp, let header = items["header"] {
                throw error(header, "a header goes in front of a TCP stream: with transport udp each call is a datagram of its own")
            }
        }
        if let header = items["header"] {
            var framing = HeaderFraming(header: try bytes(header, "header"))
            guard framing.header > 0 else { throw error(header, "header must be at least 1 byte") }
            for (key, node) in [("cork", items["cork"]), ("more", items["more"])] {
                guard let node, !method.sendsHeaderApart else { continue }
                let methods = SendMethod.allCases.filter(\.sendsHeaderApart).map(\.rawValue).joined(separator: ", ")
                throw error(node, "\(key) is for method \(methods), not \(method.rawValue), which sends the header in the file's first call")
            }
            framing.cork = try items["cork"].map { (node) throws(ScenarioError) in try bool(node, "cork") } ?? false
            framing.more = try items["more"].map { (node) throws(ScenarioError) in try bool(node, "more") } ?? false
            framing.nodelay = try items["nodelay"].map { (node) throws(ScenarioError) in try bool(node, "nodelay") } ?? false
            spec.framing = framing
        } else if let option = items["cork"] ?? items["more"] ?? items["nodelay"] {
            throw error(option, "cork, more and nodelay go with a header (header: 200)")
        }
        return spec
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
            "bad_signal", "getsig_on_dup", "release_at_end", "other_writer",
        ])
        func leaseType(_ node: Node, _ what: String, _ words: [String: LeaseType]) throws(ScenarioError) -> LeaseType {
            let text = try string(node, what)
            guard let type = words[text] else {
                throw error(node, "\(what) '\(Self.clip(text))' is not one of: \(words.keys.sorted().joined(separator: ", "))")
            }
            return type
        }
        guard let typeNode = items["type"] else { throw error(node, "lease needs a type (read or write)") }
        var spec = LeaseSpec(
            type: try leaseType(typeNode, "lease type", ["read": .read, "write": .write]),
            signal: nil, onBreak: nil, handler: true, restart: true, target: .file,
            openForWriting: false, extraDescriptor: false, dropCapLease: false,
            badSignal: nil, getsigOnDup: false, releaseAtEnd: false, otherWriter: false)
        if let signal = items["signal"] {
            let name = try string(signal, "signal")
            guard SignalNames.number(name) != nil else { throw error(signal, "signal '\(Self.clip(name))' is not SIGIO or SIGRTMIN+N") }
            spec.signal = name
        }
        if let onBreak = items["on_break"] {
            switch try string(onBreak, "on_break") {
            case "nothing": spec.onBreak = nil
            case "release": spec.onBreak = LeaseType.none
            case "downgrade": spec.onBreak = .read
            case let other: throw error(onBreak, "on_break '\(Self.clip(other))' is not one of: nothing, release, downgrade")
            }
        }
        if let handler = items["handler"] { spec.handler = try bool(handler, "handler") }
        if let restart = items["restart"] { spec.restart = try bool(restart, "restart") }
        if let on = items["on"] { spec.target = try choice(on, "lease on", LeaseSpec.Target.self) }
        if let open = items["open_for_writing"] { spec.openForWriting = try bool(open, "open_for_writing") }
        if let extra = items["extra_descriptor"] { spec.extraDescriptor = try bool(extra, "extra_descriptor") }
        if let drop = items["drop_cap_lease"] { spec.dropCapLease = try bool(drop, "drop_cap_lease") }
        if let bad = items["bad_signal"] {
            let text = try string(bad, "bad_signal")
            guard let number = Int64(text), !(0...Int64(SignalNames.highest)).contains(number) else {
                throw error(bad, "bad_signal '\(Self.clip(text))' is not a whole number outside 0...\(SignalNames.highest) (the signals F_SETSIG takes): e.g. 65 or -1")
            }
            spec.badSignal = number
        }
        if let dup = items["getsig_on_dup"] { spec.getsigOnDup = try bool(dup, "getsig_on_dup") }
        if let late = items["release_at_end"] { spec.releaseAtEnd = try bool(late, "release_at_end") }
        if let writer = items["other_writer"] { spec.otherWriter = try bool(writer, "other_writer") }
        return spec
    }

    func receiverSpec(_ node: Node) throws(ScenarioError) -> ReceiverSpec {
        let items = try fields(node, in: "receiver", allowed: ["method", "read_size", "pause_after", "receive_buffer", "map_size", "touch_after_end", "check"])
        var spec = ReceiverSpec(readSize: 256 << 10)
        if let method = items["method"] { spec.method = try choice(method, "receiver method", ReceiveMethod.self) }
        if let size = items["read_size"] { spec.readSize = try integer(size, "read_size", 1...(1 << 30)) }
        if let pause = items["pause_after"] {
            guard spec.method == .read else { throw error(pause, "pause_after is for receiver method read, not \(spec.method.rawValue)") }
            spec.pauseAfter = try bytes(pause, "pause_after")
        }
        if let buffer = items["receive_buffer"] { spec.receiveBuffer = try integer(buffer, "receive_buffer", Int32(1)...Int32.max) }
        for key in ["map_size", "touch_after_end"] where spec.method != .mmapReceive {
            if let node = items[key] { throw error(node, "\(key) is for receiver method mmap-receive, not \(spec.method.rawValue)") }
        }
        if let size = items["map_size"] {
            spec.mapSize = try integer(size, "map_size", 4096...(1 << 30))
            guard spec.mapSize % 4096 == 0 else { throw error(size, "map_size must be whole pages (a multiple of 4096)") }
        }
        if let touch = items["touch_after_end"] { spec.touchAfterEnd = try bool(touch, "touch_after_end") }
        if let check = items["check"] {
            guard spec.method == .read else { throw error(check, "check is for receiver method read, not \(spec.method.rawValue)") }
            spec.check = try bool(check, "check")
        }
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
                default: throw error(item, "unknown step '\(Self.clip(word))': \(usage)")
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
                case let other: throw error(value, "read '\(Self.clip(other))' is not one of: all, one")
                }
            }
        }
        return steps
    }
}
