/// What the runner and its agents say to each other: one JSON object per line,
/// the runner writing `AgentCommand`s to an agent's standard input and the
/// agent writing `AgentEvent`s to its standard output.

/// One syscall, or a run of consecutive calls of the same kind and outcome,
/// as an actor made it.
public struct SyscallStep: Codable, Sendable, Equatable {
    public var actor: String
    public var call: String
    /// The first call's arguments, e.g. "out_fd=5 in_fd=3 offset=0 count=65536".
    public var arguments: String
    /// How many consecutive calls this step stands for.
    public var calls: Int
    /// Sum of the return values (the return value when `calls` is 1); nil on error.
    public var returned: Int64?
    public var returnMin: Int64?
    public var returnMax: Int64?
    /// errno name when the call failed.
    public var errno: String?
    /// Signal that interrupted or ended the call, if any.
    public var signal: String?
    public var durationNs: UInt64

    enum CodingKeys: String, CodingKey {
        case actor, call, arguments, calls, errno, signal
        case returned = "return", returnMin = "return_min", returnMax = "return_max"
        case durationNs = "duration_ns"
    }
}

/// What an agent reports. `kind` says which fields are set.
public struct AgentEvent: Codable, Sendable {
    public enum Kind: String, Codable, Sendable {
        /// Agent started: `pid`.
        case hello
        /// Receiver listening: `port`.
        case listening
        /// TCP connection established.
        case connected
        /// Bytes moved so far: `bytes`.
        case progress
        /// Receiver stopped reading at its pause point: `bytes`.
        case paused
        /// Capture is running: `interface`.
        case captureReady = "capture_ready"
        /// Agent finished: `bytes`, `steps`, `sha256`, `stream`/`capture`.
        case done
        /// Agent failed: `message`.
        case failed
        /// Sender: reached a `mark` step of its script.
        case marked
    }

    public var kind: Kind
    public var pid: Int32?
    public var port: UInt16?
    public var bytes: UInt64?
    public var interface: String?
    public var steps: [SyscallStep]?
    public var stream: StreamCheck?
    public var capture: CaptureStatistics?
    /// Signals the agent received, in order.
    public var signals: [SignalRecord]?
    /// The sender's lease, when it took one.
    public var lease: LeaseReport?
    /// The sender's MSG_ZEROCOPY sends and completions.
    public var zerocopy: ZerocopyReport?
    /// An io_uring SEND_ZC sender's completions.
    public var uring: IoUringReport?
    /// A client's view of a program's response.
    public var client: ClientReport?
    /// A copy agent's result.
    public var copy: CopyReport?
    /// The sender's scripted calls and what each gave.
    public var script: [ScriptedCall.Result]?
    /// With `done`: the agent's peak resident memory in KiB.
    public var peakRSSKiB: Int?
    public var message: String?

    public init(_ kind: Kind) { self.kind = kind }
}

/// What the runner tells a running agent.
public struct AgentCommand: Codable, Sendable {
    public enum Kind: String, Codable, Sendable {
        /// Receiver: read on after a pause.
        case resume
        /// Capture: stop, flush and report.
        case stop
    }
    public var kind: Kind
    public init(_ kind: Kind) { self.kind = kind }
}

/// Received bytes checked against the expected content, by the receiver.
public struct StreamCheck: Codable, Sendable, Equatable {
    public var bytes: UInt64
    public var sha256: String
    public var expectedBytes: UInt64
    public var matches: Bool
    public var firstMismatch: Mismatch?

    enum CodingKeys: String, CodingKey {
        case bytes, sha256, matches
        case expectedBytes = "expected_bytes", firstMismatch = "first_mismatch"
    }
}

/// libpcap's counters for one capture (pcap_stats) and where it was written.
public struct CaptureStatistics: Codable, Sendable, Equatable {
    public var path: String
    public var interface: String
    public var packets: UInt64
    public var received: UInt64
    public var dropped: UInt64
    public var interfaceDropped: UInt64
    public var snaplen: Int32
    /// With sampling: the file of whole packets around the marks, and how many it holds.
    public var samplePath: String?
    public var sampledPackets: UInt64?

    enum CodingKeys: String, CodingKey {
        case path, interface, packets, received, dropped, snaplen
        case interfaceDropped = "interface_dropped", samplePath = "sample_path", sampledPackets = "sampled_packets"
    }
}
