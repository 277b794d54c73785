/// Something wrong with how a list of completions covers the ids expected.
public struct ZerocopyCoverageProblem: Codable, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Codable, Sendable {
        /// No completion covers the ids.
        case missing
        /// More than one completion covers the ids.
        case repeated
        /// The ids completed after later ids.
        case outOfOrder = "out_of_order"
        /// The ids are not among those expected.
        case unexpected
    }

    public var kind: Kind
    public var lo: UInt32
    public var hi: UInt32

    public init(_ kind: Kind, lo: UInt32, hi: UInt32) {
        self.kind = kind
        self.lo = lo
        self.hi = hi
    }

    public var description: String {
        let ids = describeIDs(lo, hi)
        return switch kind {
        case .missing: "\(ids) never completed"
        case .repeated: "\(ids) completed more than once"
        case .outOfOrder: "\(ids) completed after later ids"
        case .unexpected: "\(ids) completed but not expected"
        }
    }
}

extension Collection where Element == ZerocopyCompletion {
    /// Checks completions read from the kernel on their own: they should cover
    /// the `count` ids from `first` on (u32 wrap-aware: past 2^32 - 1 comes 0)
    /// exactly once each, in order, with no gap. Returns the problems in the
    /// order found, ids never completed last; none when all is well.
    public func coverageProblems(first: UInt32 = 0, count: UInt64) -> [ZerocopyCoverageProblem] {
        precondition(count <= IDOffsets.span, "more ids than a u32 has")
        var covered = IDOffsets(base: first)
        var problems: [ZerocopyCoverageProblem] = []
        func report(_ kind: ZerocopyCoverageProblem.Kind, _ offsets: [Range<UInt64>]) {
            problems += offsets.map { covered.problem(kind, at: $0) }
        }
        for completion in self {
            for offsets in covered.offsets(of: completion) {
                if offsets.upperBound > count { report(.unexpected, [Swift.max(offsets.lowerBound, count) ..< offsets.upperBound]) }
                let inside = offsets.clamped(to: 0 ..< count)
                let frontier = covered.ranges.last?.upperBound ?? 0
                let present = covered.insert(inside)
                report(.repeated, present)
                report(.outOfOrder, IDOffsets.subtract([inside.clamped(to: 0 ..< frontier)], present))
            }
        }
        report(.missing, IDOffsets.subtract([0 ..< count], covered.ranges))
        return problems
    }
}

/// The completions the kernel gave against those the model predicts, each
/// difference in words, in three kinds.
public struct ZerocopyComparison: Codable, Sendable, Equatable, CustomStringConvertible {
    /// The kernel completed other ids than predicted, some more than once, or
    /// in another order. Coverage does not depend on timing: a finding.
    public var coverage: [String]
    /// Ids completed by both whose codes differ.
    public var codes: [String]
    /// With the same ids in the same order, the kernel split a predicted
    /// completion into several or merged several into one. How completions
    /// merge depends on when they come and when the queue is read, so this
    /// alone is no finding.
    public var splits: [String]

    /// The kernel gave exactly the predicted completions.
    public var agrees: Bool { coverage.isEmpty && codes.isEmpty && splits.isEmpty }
    /// The kernel gave the predicted ids and codes, only split differently.
    public var onlySplitsDiffer: Bool { coverage.isEmpty && codes.isEmpty && !splits.isEmpty }

    public init(predicted: [ZerocopyCompletion], observed: [ZerocopyCompletion]) {
        let base = (predicted.first ?? observed.first)?.lo ?? 0
        let predictedRuns = IDRun.runs(of: predicted)
        let observedRuns = IDRun.runs(of: observed)
        if predictedRuns == observedRuns {
            coverage = []
            splits = Self.splits(predicted, observed)
        } else {
            coverage = Self.coverage(predicted, observed, base: base)
            if coverage.isEmpty { coverage = [Self.order(predictedRuns, observedRuns)] }
            splits = []
        }
        codes = Self.codes(predicted, observed, base: base)
    }

    public var description: String {
        guard !agrees else { return "the kernel's completions agree with the model" }
        let sections = [("coverage", coverage), ("codes", codes), ("splits", splits)].filter { !$0.1.isEmpty }
        return sections.map { name, lines in "\(name): " + lines.joined(separator: "; ") }.joined(separator: "\n")
    }

    /// Ids one side completed and the other did not, and ids the kernel
    /// completed more than once.
    private static func coverage(
        _ predicted: [ZerocopyCompletion], _ observed: [ZerocopyCompletion], base: UInt32
    ) -> [String] {
        var expected = IDOffsets(base: base)
        var seen = IDOffsets(base: base)
        var repeated = IDOffsets(base: base)
        for completion in predicted {
            for offsets in expected.offsets(of: completion) { _ = expected.insert(offsets) }
        }
        for completion in observed {
            for offsets in seen.offsets(of: completion) {
                for present in seen.insert(offsets) { _ = repeated.insert(present) }
            }
        }
        return expected.subtract(seen).map { "the kernel did not complete \(expected.describe($0))" }
            + seen.subtract(expected).map { "the kernel completed \(seen.describe($0)), which the model does not predict" }
            + repeated.ranges.map { "the kernel completed \(repeated.describe($0)) more than once" }
    }

    /// Where the same ids, each completed once, come in another order.
    private static func order(_ predicted: [IDRun], _ observed: [IDRun]) -> String {
        let same = zip(predicted, observed).prefix { $0 == $1 }.count
        let done = predicted.prefix(same).reduce(0) { $0 + $1.count }
        func next(_ runs: [IDRun]) -> String { runs.indices.contains(same) ? runs[same].text : "nothing" }
        return "the kernel completed the same ids in another order: after \(done) ids in order,"
            + " the model predicts \(next(predicted)) next, the kernel completed \(next(observed))"
    }

    /// Walks both lists, which cover the same ids in the same order, in
    /// stretches that end where a completion ends on both sides.
    private static func splits(_ predicted: [ZerocopyCompletion], _ observed: [ZerocopyCompletion]) -> [String] {
        var differences: [String] = []
        var p = 0
        var o = 0
        while p < predicted.count && o < observed.count {
            let (firstP, firstO) = (p, o)
            var predictedIDs = predicted[p].idCount
            var observedIDs = observed[o].idCount
            while predictedIDs != observedIDs {
                if predictedIDs < observedIDs {
                    p += 1
                    predictedIDs += predicted[p].idCount
                } else {
                    o += 1
                    observedIDs += observed[o].idCount
                }
            }
            let ids = describeIDs(predicted[firstP].lo, predicted[p].hi)
            switch (p - firstP + 1, o - firstO + 1) {
            case (1, 1): break
            case (1, let pieces): differences.append("the kernel split \(ids) into \(pieces) completions")
            case (let pieces, 1): differences.append("the kernel merged \(ids), predicted as \(pieces) completions, into one")
            case (let expected, let got): differences.append("\(ids): the model predicts \(expected) completions, the kernel gave \(got)")
            }
            p += 1
            o += 1
        }
        return differences
    }

    /// Ids both sides completed with different codes, in id order.
    private static func codes(
        _ predicted: [ZerocopyCompletion], _ observed: [ZerocopyCompletion], base: UInt32
    ) -> [String] {
        let offsets = IDOffsets(base: base)
        let predictedCodes = predicted
            .flatMap { completion in offsets.offsets(of: completion).map { (offsets: $0, code: completion.code) } }
            .sorted { $0.offsets.lowerBound < $1.offsets.lowerBound }
        let predictedOffsets = predictedCodes.map(\.offsets)
        var differences: [(offsets: Range<UInt64>, predicted: ZerocopyCode, observed: ZerocopyCode)] = []
        for completion in observed {
            for observedOffsets in offsets.offsets(of: completion) {
                var index = IDOffsets.firstIndex(in: predictedOffsets, endingAfter: observedOffsets.lowerBound)
                while index < predictedCodes.count && predictedOffsets[index].lowerBound < observedOffsets.upperBound {
                    let code = predictedCodes[index].code
                    if code != completion.code {
                        differences.append((predictedOffsets[index].clamped(to: observedOffsets), code, completion.code))
                    }
                    index += 1
                }
            }
        }
        var merged: [(offsets: Range<UInt64>, predicted: ZerocopyCode, observed: ZerocopyCode)] = []
        for difference in differences.sorted(by: { $0.offsets.lowerBound < $1.offsets.lowerBound }) {
            if let last = merged.last, last.predicted == difference.predicted, last.observed == difference.observed,
               difference.offsets.lowerBound <= last.offsets.upperBound {
                merged[merged.count - 1].offsets = last.offsets.lowerBound ..< max(last.offsets.upperBound, difference.offsets.upperBound)
            } else {
                merged.append(difference)
            }
        }
        return merged.map {
            "\(offsets.describe($0.offsets)): the model predicts \($0.predicted.rawValue), the kernel says \($0.observed.rawValue)"
        }
    }
}

extension ZerocopyCompletion {
    /// A completion the sender read.
    public init(_ notification: ZerocopyNotification) {
        self.init(lo: notification.lo, hi: notification.hi, code: notification.code)
    }
}

extension ZerocopyReport {
    /// The completions read, with typed codes.
    public var completions: [ZerocopyCompletion] { notifications.map(ZerocopyCompletion.init) }

    /// How the completions read fall short of covering ids 0 ..< sends once
    /// each, in order (with SO_ZEROCOPY set: the sender's socket is new, so
    /// its ids start at 0 and each send took one).
    public var coverageProblems: [ZerocopyCoverageProblem] { completions.coverageProblems(count: UInt64(sends)) }

    /// The completions read against the model's `predicted` ones.
    public func compared(with predicted: [ZerocopyCompletion]) -> ZerocopyComparison {
        ZerocopyComparison(predicted: predicted, observed: completions)
    }
}

/// "id 5" or "ids 5...9".
func describeIDs(_ lo: UInt32, _ hi: UInt32) -> String { lo == hi ? "id \(lo)" : "ids \(lo)...\(hi)" }

/// Consecutive ids in the order completed, however they were split.
private struct IDRun: Equatable {
    var lo: UInt32
    var count: UInt64

    var text: String { describeIDs(lo, lo &+ UInt32(truncatingIfNeeded: count - 1)) }

    static func runs(of completions: [ZerocopyCompletion]) -> [IDRun] {
        var runs: [IDRun] = []
        for completion in completions {
            if let last = runs.last, last.lo &+ UInt32(truncatingIfNeeded: last.count) == completion.lo {
                runs[runs.count - 1].count += completion.idCount
            } else {
                runs.append(IDRun(lo: completion.lo, count: completion.idCount))
            }
        }
        return runs
    }
}

/// A set of ids held as offsets from a base id, so that ids past 2^32 - 1
/// (which wrap to 0) still sort after those before: sorted, disjoint,
/// non-adjacent half-open ranges of offsets.
struct IDOffsets {
    /// How many ids a u32 has.
    static let span: UInt64 = 1 << 32

    let base: UInt32
    private(set) var ranges: [Range<UInt64>] = []

    init(base: UInt32) { self.base = base }

    /// The offsets of `completion`'s ids: one range, or two when it runs past `base - 1`.
    func offsets(of completion: ZerocopyCompletion) -> [Range<UInt64>] {
        let start = UInt64(completion.lo &- base)
        let end = start + completion.idCount
        return end <= Self.span ? [start ..< end] : [start ..< Self.span, 0 ..< end - Self.span]
    }

    func describe(_ offsets: Range<UInt64>) -> String {
        let (lo, hi) = ids(offsets)
        return describeIDs(lo, hi)
    }

    func problem(_ kind: ZerocopyCoverageProblem.Kind, at offsets: Range<UInt64>) -> ZerocopyCoverageProblem {
        let (lo, hi) = ids(offsets)
        return ZerocopyCoverageProblem(kind, lo: lo, hi: hi)
    }

    private func ids(_ offsets: Range<UInt64>) -> (lo: UInt32, hi: UInt32) {
        (base &+ UInt32(truncatingIfNeeded: offsets.lowerBound), base &+ UInt32(truncatingIfNeeded: offsets.upperBound - 1))
    }

    /// Adds `offsets`; returns the parts that were there already.
    mutating func insert(_ offsets: Range<UInt64>) -> [Range<UInt64>] {
        guard !offsets.isEmpty else { return [] }
        // From the first range that ends where the new one starts or later: touching ranges merge.
        let first = offsets.lowerBound == 0 ? 0 : Self.firstIndex(in: ranges, endingAfter: offsets.lowerBound - 1)
        var end = first
        var merged = offsets
        var present: [Range<UInt64>] = []
        while end < ranges.count && ranges[end].lowerBound <= offsets.upperBound {
            let overlap = ranges[end].clamped(to: offsets)
            if !overlap.isEmpty { present.append(overlap) }
            merged = min(merged.lowerBound, ranges[end].lowerBound) ..< max(merged.upperBound, ranges[end].upperBound)
            end += 1
        }
        ranges.replaceSubrange(first ..< end, with: [merged])
        return present
    }

    /// The offsets in this set and not in `other`.
    func subtract(_ other: IDOffsets) -> [Range<UInt64>] { Self.subtract(ranges, other.ranges) }

    /// The offsets in `ranges` and not in `other`, both sorted and disjoint.
    static func subtract(_ ranges: [Range<UInt64>], _ other: [Range<UInt64>]) -> [Range<UInt64>] {
        var result: [Range<UInt64>] = []
        var next = 0
        for range in ranges where !range.isEmpty {
            next = firstIndex(in: other, endingAfter: range.lowerBound, from: next)
            var start = range.lowerBound
            var index = next
            while index < other.count && other[index].lowerBound < range.upperBound {
                if other[index].lowerBound > start { result.append(start ..< other[index].lowerBound) }
                start = max(start, other[index].upperBound)
                index += 1
            }
            if start < range.upperBound { result.append(start ..< range.upperBound) }
        }
        return result
    }

    /// The index of the first of `sorted` (sorted, disjoint) that ends after `offset`.
    static func firstIndex(in sorted: [Range<UInt64>], endingAfter offset: UInt64, from start: Int = 0) -> Int {
        var low = start
        var high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle].upperBound <= offset { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
