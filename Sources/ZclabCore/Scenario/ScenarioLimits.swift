import Foundation
import Yams

/// Limits on what a scenario file may make zclab hold in memory. Scenario
/// files are small (the shipped ones are under 2 KiB); without limits, a large
/// file or a YAML alias used many times (`tags: [*big, *big, ...]`) makes
/// every reader of the scenario (check, list, run, the report) hold copies.
public enum ScenarioLimits {
    /// The largest scenario file read: 256 KiB.
    public static let fileBytes: UInt64 = 256 << 10
    /// The most nodes (scalars, lists, mappings) the file may hold once each
    /// alias is counted every time it is used.
    public static let expandedNodes = 100_000
    /// The most bytes of scalar text it may hold, counted the same way: 1 MiB.
    public static let expandedTextBytes = 1 << 20

    static func tooLarge(_ size: UInt64) -> String {
        "the file is \(size) bytes; scenario files may be at most \(fileBytes) bytes (\(ByteCount.describe(fileBytes)))"
    }
}

extension ScenarioReader {
    /// Walks the composed tree as the reader will, each alias as often as
    /// it is used, and stops at the node where a limit is passed. Nodes are
    /// counted when their parent is reached, so the walk holds and visits at
    /// most `expandedNodes` of them: an alias bomb is cheap to refuse.
    func checkExpansion(_ root: Node) throws(ScenarioError) {
        var pending = [root]
        var nodes = 1
        var textBytes = 0
        func count(_ children: Int, at node: Node) throws(ScenarioError) {
            nodes += children
            guard nodes <= ScenarioLimits.expandedNodes else {
                throw error(node, "the file holds more than \(ScenarioLimits.expandedNodes) values once its aliases are expanded (the limit on nodes)")
            }
        }
        while let node = pending.popLast() {
            switch node {
            case .scalar(let scalar):
                textBytes += scalar.string.utf8.count
                guard textBytes <= ScenarioLimits.expandedTextBytes else {
                    throw error(node, "the file holds more than \(ByteCount.describe(UInt64(ScenarioLimits.expandedTextBytes))) of text once its aliases are expanded (the limit on text)")
                }
            case .mapping(let mapping):
                try count(2 * mapping.count, at: node)
                for (key, value) in mapping { pending += [key, value] }
            case .sequence(let sequence):
                try count(sequence.count, at: node)
                pending += sequence
            case .alias:
                break
            }
        }
    }
}
