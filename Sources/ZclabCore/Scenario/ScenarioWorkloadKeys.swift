import Yams

/// The workload a scenario's top-level keys name, found before any other
/// section is read so that a combination that makes no sense is the first
/// error: a copy has no sender, receiver, capture or actions; a program has
/// a client and no sender or copy; anything else has a sender.
enum WorkloadKeys {
    case transfer(sender: Node)
    case program(ProgramSpec, client: Node)
    case copy(CopySpec)
}

extension ScenarioReader {
    /// The workload `top`'s keys name, or the located error of a combination
    /// that names none or more than one.
    func workloadKeys(_ top: [String: Node], root: Node) throws(ScenarioError) -> WorkloadKeys {
        let copy = try top["copy"].map { (node) throws(ScenarioError) in try copySpec(node) }
        if copy != nil, let node = top["sender"] ?? top["receiver"] ?? top["capture"] ?? top["actions"] {
            throw error(node, "a copy scenario has no sender, receiver, capture or actions")
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
        guard let sender = top["sender"] else { throw error(root, "missing 'sender' (at least its method), 'program' or 'copy'") }
        return .transfer(sender: sender)
    }

    /// The workload, its sender's or client's section read.
    func readWorkload(_ keys: WorkloadKeys) throws(ScenarioError) -> Workload {
        switch keys {
        case .transfer(let node): .transfer(try senderSpec(node))
        case .program(let program, let node): .program(program, try clientSpec(node))
        case .copy(let copy): .copy(copy)
        }
    }
}
