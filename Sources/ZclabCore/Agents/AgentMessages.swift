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

/// What an agent reports, one event a line.
public enum AgentEvent: Codable, Sendable {
    /// Agent started.
    case hello(pid: Int32)
    /// Receiver listening.
    case listening(port: UInt16)
    /// TCP connection established.
    case connected
    /// Bytes moved so far: received (receiver), or TCP payload seen (capture).
    case progress(bytes: UInt64)
    /// Receiver stopped reading at its pause point.
    case paused(bytes: UInt64)
    /// Capture is running.
    case captureReady(interface: String)
    /// Sender: reached a `mark` step, or rewrote its buffer.
    case marked
    /// Agent failed; it exits.
    case failed(message: String)
    /// Agent finished, with what it did.
    case done(AgentOutcome)

    /// The event's name, for waiting on one and for messages.
    public enum Kind: String, Sendable {
        case hello, listening, connected, progress, paused, marked, failed, done
        case captureReady = "capture_ready"
    }

    public var kind: Kind {
        switch self {
        case .hello: .hello
        case .listening: .listening
        case .connected: .connected
        case .progress: .progress
        case .paused: .paused
        case .captureReady: .captureReady
        case .marked: .marked
        case .failed: .failed
        case .done: .done
        }
    }
}

/// What every agent reports when it is done, and its role's own result.
public struct AgentOutcome: Codable, Sendable {
    /// Its syscalls, consecutive alike calls merged.
    public var steps: [SyscallStep]
    public var result: AgentResult
    /// Its peak resident memory in KiB (set by the channel).
    public var peakRSSKiB: Int?
    /// CPU seconds (user and system) it spent from reporting `connected` to
    /// reporting done: the transfer's share, without starting up (set by the channel).
    public var cpuSeconds: Double?

    public init(steps: [SyscallStep], result: AgentResult) {
        self.steps = steps
        self.result = result
    }

    public var sender: SenderResult? { if case .sender(let result) = result { result } else { nil } }
    public var stream: StreamCheck? { if case .receiver(let stream, _) = result { stream } else { nil } }
    public var client: ClientReport? { if case .receiver(_, let client) = result { client } else { nil } }
    public var capture: CaptureStatistics? { if case .capture(let statistics) = result { statistics } else { nil } }
    public var copy: CopyReport? { if case .copy(let report) = result { report } else { nil } }
    public var pipe: PipeReport? { if case .pipe(let report) = result { report } else { nil } }
}

/// Each role's result.
public enum AgentResult: Codable, Sendable {
    case sender(SenderResult)
    /// The received bytes checked against the file; a client's view of a program's response.
    case receiver(StreamCheck, client: ClientReport?)
    /// libpcap's counters and where the capture went.
    case capture(CaptureStatistics)
    /// An actor's change to the file; the error that stopped it, if one did.
    case actor(failure: String?)
    case copy(CopyReport)
    case pipe(PipeReport)
}

/// What the sender did.
public struct SenderResult: Codable, Sendable {
    /// Bytes its send calls reported.
    public var bytes: UInt64
    /// Why the sending stopped before the end (the errno is in the last failed step), or nil.
    public var failure: String?
    /// Signals it received, in order.
    public var signals: [SignalRecord]
    /// Its lease, when it took one.
    public var lease: LeaseReport?
    /// What its send path observed beyond the calls.
    public var path: SendPathReport?

    public init(bytes: UInt64, failure: String? = nil, signals: [SignalRecord] = [], lease: LeaseReport? = nil, path: SendPathReport? = nil) {
        self.bytes = bytes
        self.failure = failure
        self.signals = signals
        self.lease = lease
        self.path = path
    }

    public var zerocopy: ZerocopyReport? { if case .zerocopy(let report) = path { report } else { nil } }
    public var uring: IoUringReport? { if case .uring(let report) = path { report } else { nil } }
    public var script: [ScriptedCall.Result]? { if case .script(let results) = path { results } else { nil } }
}

/// What a send path observed beyond its calls.
public enum SendPathReport: Codable, Sendable, Equatable {
    /// MSG_ZEROCOPY sends and their completions.
    case zerocopy(ZerocopyReport)
    /// io_uring zero-copy requests and their completions.
    case uring(IoUringReport)
    /// What each scripted sendfile call gave.
    case script([ScriptedCall.Result])
}

/// What the runner tells a running agent.
public struct AgentCommand: Codable, Sendable {
    public enum Kind: String, Codable, Sendable {
        /// Receiver: read on after a pause.
        case resume
        /// Capture: stop, flush and report.
        case stop
        /// Receiver of datagrams: the sender made its last call; read what
        /// is still coming, then report.
        case senderDone = "sender_done"
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
    /// true when the receiver only counted the bytes, comparing nothing (`receiver.check: false`).
    public var countedOnly: Bool?
    /// With transport udp: the datagrams read, each placed by its own bytes.
    public var datagrams: DatagramTally?
    /// With transport udp: what the receiver's namespace dropped on arrival.
    public var udpDrops: UDPDrops?
    /// What a receive method other than read observed beyond its calls.
    public var path: ReceivePathReport?

    enum CodingKeys: String, CodingKey {
        case bytes, sha256, matches, datagrams
        case countedOnly = "counted_only"
        case udpDrops = "udp_drops", path = "receive_path"
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
