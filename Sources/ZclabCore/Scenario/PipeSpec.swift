import Yams

/// A pipe workload: steps on one pipe and the test file, opened read-only,
/// in one process, in order. It looks for the Dirty Pipe class of bugs
/// (CVE-2022-0847: a pipe buffer spliced from a file kept a stale "can
/// merge" flag, so a later write into the pipe changed the page cache)
/// without an exploit: it only checks that the file does not change and
/// that the pipe gives back exactly the bytes put in, in order.
public struct PipeSpec: Sendable, Equatable {
    public var steps: [PipeStep]

    /// The bytes `write` and `fill` put in, one stream: unlike the file's, so a merge shows whose bytes went where.
    public static let writePattern = PatternContent(count: .max, seed: 0x5752_4954)
    /// The bytes of the user pages `vmsplice` lends the pipe, one stream.
    public static let userPagesPattern = PatternContent(count: .max, seed: 0x564D_5350)
}

/// One step of a pipe workload. Every call is non-blocking: a pipe that is
/// full, or empty, is an errno in the log, never a hang.
public enum PipeStep: Codable, Sendable, Equatable {
    /// splice(2) of `length` bytes of the file at `offset` into the pipe:
    /// the pipe then refers to the file's page-cache pages.
    case splice(offset: UInt64, length: UInt64)
    /// vmsplice(2) of `length` bytes of a page-aligned pattern buffer: the
    /// pipe refers to the process's own pages.
    case vmsplice(length: UInt64)
    /// write(2) of `length` bytes of the write pattern: where a buggy kernel
    /// merges into the last buffer.
    case write(length: UInt64)
    /// One read(2) of up to `length` bytes, checked.
    case read(length: UInt64)
    /// One write(2) of the pipe's capacity into the empty pipe: every slot
    /// then holds a page the pipe allocated, as the CVE's preparation left them.
    case fill
    /// Reads all the pipe holds (FIONREAD), checked.
    case drain
    /// tee(2) of all the pipe holds into a second pipe, then write(2) of
    /// `write` bytes into the second pipe: a write that merges into a shared
    /// page shows in the first pipe. The second pipe is read and checked last.
    case tee(write: UInt64)

    /// The call a step makes, as the log names it.
    public var call: String {
        switch self {
        case .splice: "splice"
        case .vmsplice: "vmsplice"
        case .write, .fill: "write"
        case .read, .drain: "read"
        case .tee: "tee"
        }
    }
}

extension ScenarioReader {
    static let pipeStepUsage = "a pipe step is one of: splice: {offset: N, length: N}, vmsplice: N, write: N, read: N, tee: {write: N}, fill, drain, tee"

    /// A pipe workload, its steps checked against the file (a splice within
    /// it) and against what the steps before put in (no read of more than
    /// that, a fill only of an empty pipe).
    func pipeSpec(_ node: Node, file: TestFileSpec) throws(ScenarioError) -> PipeSpec {
        let items = try fields(node, in: "pipe", allowed: ["steps"])
        guard let list = items["steps"]?.sequence, !list.isEmpty else { throw error(node, "pipe needs steps, a list: \(Self.pipeStepUsage)") }
        var steps: [PipeStep] = []
        var held: UInt64? = 0  // what the steps put in, as far as the file tells; nil after a fill
        for item in list {
            let step = try pipeStep(item, file: file)
            switch step {
            case .splice(_, let length), .vmsplice(let length), .write(let length):
                held = held.map { $0 + length }
            case .read(let length):
                if let held, length > held { throw error(item, "read of \(length) bytes, but the steps before put only \(held) in the pipe") }
                held = held.map { $0 - length }
            case .fill:
                guard held == 0 else { throw error(item, "fill is for an empty pipe: drain it first") }
                held = nil
            case .drain: held = 0
            case .tee: break  // the first pipe keeps what it holds
            }
            steps.append(step)
        }
        return PipeSpec(steps: steps)
    }

    private func pipeStep(_ item: Node, file: TestFileSpec) throws(ScenarioError) -> PipeStep {
        if let word = item.scalar?.string {
            switch word {
            case "fill": return .fill
            case "drain": return .drain
            case "tee": return .tee(write: 0)
            default: throw error(item, "unknown pipe step '\(Self.clip(word))': \(Self.pipeStepUsage)")
            }
        }
        let keys = try fields(item, in: "a pipe step", allowed: ["splice", "vmsplice", "write", "read", "tee"])
        guard keys.count == 1, let (key, value) = keys.first else { throw error(item, Self.pipeStepUsage) }
        func length(_ node: Node, _ what: String) throws(ScenarioError) -> UInt64 {
            try integer(node, what, UInt64(1)...UInt64(1 << 30))
        }
        switch key {
        case "splice":
            let range = try fields(value, in: "splice", allowed: ["offset", "length"])
            guard let offsetNode = range["offset"], let lengthNode = range["length"] else {
                throw error(value, "splice needs an offset and a length, e.g. {offset: 4KiB+1, length: 16}")
            }
            let offset = try bytes(offsetNode, "splice offset"), count = try length(lengthNode, "splice length")
            guard offset + count <= file.size else {
                throw error(value, "splice of \(offset)..\(offset + count) reaches past the file's end (\(file.size) bytes)")
            }
            return .splice(offset: offset, length: count)
        case "vmsplice": return .vmsplice(length: try length(value, "vmsplice"))
        case "write": return .write(length: try length(value, "write"))
        case "read": return .read(length: try length(value, "read"))
        default:
            let options = try fields(value, in: "tee", allowed: ["write"])
            return .tee(write: try options["write"].map { (node) throws(ScenarioError) in try length(node, "tee write") } ?? 0)
        }
    }
}
