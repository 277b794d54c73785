import Foundation
import Yams

/// The sections for programs under test and their clients, the capture, and
/// the actions a scenario takes while it runs.
extension ScenarioReader {
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
            spec.idleTimeout = try seconds(timeout, "idle_timeout")
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
            case "none": spec.sides = []  // a measurement: a packet tap changes what it measures
            case let other: throw error(on, "capture on '\(Self.clip(other))' is not one of: receiver, sender, both, none")
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
            let items = try fields(item, in: "an action", allowed: ["when", "do", "to", "offset", "length", "seed", "flags", "on", "set", "bytes", "file"])
            guard let when = items["when"], let what = items["do"] else { throw error(item, "an action needs both 'when' and 'do'") }
            func required(_ key: String) throws(ScenarioError) -> UInt64 {
                guard let node = items[key] else { throw error(what, "'\(Self.clip(try string(what, "do")))' needs '\(key)'") }
                return try bytes(node, key)
            }
            var kind: Action.Kind
            switch try string(what, "do") {
            case "resume-receiver": kind = .resumeReceiver
            case "restore-link": kind = .restoreLink
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
                        throw error(flag, "flag '\(Self.clip(name))' is not one of: \(FileOperation.openFlags.keys.sorted().joined(separator: ", "))")
                    }
                    flags.append(name)
                }
                kind = .file(.open(flags: flags))
            case "features":
                guard let set = items["set"] else { throw error(what, "'features' needs set, e.g. {tso: off}") }
                let side = try items["on"].map { (node) throws(ScenarioError) in try choice(node, "on", CaptureSpec.Side.self) } ?? .sender
                kind = .features(side: side, settings: try featureSettings(set, "set"))
            case let other: throw error(what, "do '\(Self.clip(other))' is not one of: resume-receiver, restore-link, truncate, ftruncate, open, overwrite, features")
            }
            if let file = items["file"] {
                switch (try string(file, "file"), kind) {
                case ("source", _): break
                case ("destination", .file(let operation)):
                    switch operation {
                    case .truncate, .overwrite: kind = .destination(operation)
                    case .ftruncate, .open: throw error(file, "file: destination takes truncate or overwrite")
                    }
                case ("destination", _): throw error(file, "file: destination goes with truncate or overwrite")
                case (let other, _): throw error(file, "file '\(Self.clip(other))' is not one of: source, destination")
                }
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
}
