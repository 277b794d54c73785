import Yams

/// The workload a scenario's top-level keys name, found before any other
/// section is read so that a combination that makes no sense is the first
/// error: a copy or a pipe has no sender, receiver, capture or actions; a
/// program has a client and no sender or copy; anything else has a sender.
enum WorkloadKeys {
    case transfer(sender: Node)
    case program(ProgramSpec, client: Node)
    case copy(CopySpec)
    /// Its steps are read with the file, which they must stay within.
    case pipe(Node)
}

extension ScenarioReader {
    /// The workload `top`'s keys name, or the located error of a combination
    /// that names none or more than one.
    func workloadKeys(_ top: [String: Node], root: Node) throws(ScenarioError) -> WorkloadKeys {
        let copy = try top["copy"].map { (node) throws(ScenarioError) in try copySpec(node) }
        if top["pipe"] != nil, let other = top["copy"] ?? top["program"] {
            throw error(other, "a pipe scenario has no copy or program: its steps are the workload")
        }
        for (kind, present) in [("copy", copy != nil), ("pipe", top["pipe"] != nil)] where present {
            if let node = top["sender"] ?? top["receiver"] ?? top["capture"] ?? top["actions"] {
                throw error(node, "a \(kind) scenario has no sender, receiver, capture or actions")
            }
        }
        let program = try top["program"].map { (node) throws(ScenarioError) in try programSpec(node) }
        if program != nil, let node = top["sender"] ?? top["copy"] {
            throw error(node, "a program scenario has no sender or copy: the program sends")
        }
        if let program {
            guard let client = top["client"] else { throw error(root, "a program needs a 'client' (at least its request)") }
            return .program(program, client: client)
        }
        if let node = top["client"] { throw error(node, "a client is for a program scenario ('program:')") }
        if let copy { return .copy(copy) }
        if let pipe = top["pipe"] { return .pipe(pipe) }
        guard let sender = top["sender"] else { throw error(root, "missing 'sender' (at least its method), 'program', 'copy' or 'pipe'") }
        return .transfer(sender: sender)
    }

    /// The workload, its sender's, client's or pipe's section read.
    func readWorkload(_ keys: WorkloadKeys, file: TestFileSpec) throws(ScenarioError) -> Workload {
        switch keys {
        case .transfer(let node): .transfer(try senderSpec(node))
        case .program(let program, let node): .program(program, try clientSpec(node))
        case .copy(let copy): .copy(copy)
        case .pipe(let node): .pipe(try pipeSpec(node, file: file))
        }
    }
}
