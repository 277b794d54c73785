/// The whole effect of a run's settings at a glance: one row per scenario
/// that states a setting (offloads, MTU, cork) and per captured side, one
/// column per thing observed. Text, Markdown and HTML reports render it.
public struct OffloadMatrix: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        public var scenario: String
        public var setting: String
        public var side: String
        /// One cell per entry of `OffloadMatrix.columns`.
        public var cells: [String]
        public var verdict: ScenarioResult.Verdict
        /// The side's frame histogram, for pictures.
        public var histogram: [FrameSizeBin]
    }

    public static let columns = [
        "data frames", "smallest frame", "largest frame", "largest segment", "first segments", "checksums", "zero-copy", "data",
    ]
    public var rows: [Row]

    public init(_ report: RunReport) {
        rows = report.scenarios.flatMap { scenario -> [Row] in
            guard let setting = scenario.setting, let frames = scenario.frames else { return [] }
            return frames.keys.sorted(by: >).map { side in
                let statistics = frames[side]!
                return Row(
                    scenario: scenario.name, setting: setting, side: side,
                    cells: [
                        "\(statistics.dataFrames)",
                        "\(statistics.smallestDataFrame)",
                        "\(statistics.largestDataFrame)",
                        "\(statistics.largestSegment)",
                        statistics.firstSegments.map(String.init).joined(separator: " "),
                        statistics.checksums.summary,
                        Self.zerocopy(scenario.observations),
                        Self.integrity(scenario.observations, side: side),
                    ],
                    verdict: scenario.verdict, histogram: statistics.histogram)
            }
        }
    }

    /// "copied 12/12", "zero-copy 3/12" (MSG_ZEROCOPY completions or io_uring
    /// notifications), "mapped 99%" (mmap-receive: the share the receiver
    /// mapped), or "-" for a scenario that did neither.
    static func zerocopy(_ observations: [String: ObservedValue]) -> String {
        if case .number(let percent)? = observations[ReceivePathObservation.mappedPercent.rawValue] { return "mapped \(percent)%" }
        for prefix in ["zerocopy", "uring"] {
            guard case .number(let total)? = observations["\(prefix).notifications"],
                case .number(let copied)? = observations["\(prefix).copied_notifications"]
            else { continue }
            return copied == total ? "copied \(copied)/\(total)" : "zero-copy \(total - copied)/\(total)"
        }
        return "-"
    }

    /// Whether the side's capture carried the data unchanged.
    static func integrity(_ observations: [String: ObservedValue], side: String) -> String {
        switch observations["frames.\(side).matches"] {
        case .flag(true)?: return "intact"
        case .flag(false)?: return "DIFFERS"
        default: return "-"
        }
    }
}
