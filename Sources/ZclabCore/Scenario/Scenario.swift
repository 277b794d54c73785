/// One scenario, as read from its file: where it runs, what is sent and how,
/// how the receiver behaves, what the runner does when, and what must be seen.
public struct Scenario: Sendable {
    public var name: String
    public var description: String
    public var tags: [String]
    /// The scenario file it came from.
    public var path: String
    public var topology: TopologySpec
    public var file: TestFileSpec
    /// What the scenario runs: a transfer, a program, a copy or a simulation.
    public var workload: Workload
    public var receiver: ReceiverSpec
    public var capture: CaptureSpec
    public var actions: [Action]
    public var expectations: [Expectation]
    /// Expectations that fail the scenario even where differences from the
    /// reference kernel are only reported (`strict:`).
    public var strictKeys: Set<String> = []
    /// Seconds the transfer may take before the scenario is an error.
    public var timeout: Double
    /// TCP port of the receiver.
    public var port: UInt16
    /// sysctls to set for the scenario (path under /proc/sys: value), restored after.
    public var sysctls: [String: String] = [:]
    /// Per-namespace sysctls, set inside the scenario's namespaces (which go
    /// away with them, so nothing needs restoring).
    public var namespaceSysctls: [String: String] = [:]
    /// Data segments dropped on the way in until `restore-link` (`loss:`).
    public var loss: LossSpec?
    /// uid (and gid) to give the test file, for experiments as a non-owner.
    public var fileOwner: UInt32?
    /// Put the test file on the disk (/var/tmp) rather than tmpfs.
    public var fileOnDisk = false

    /// The file ranges the sender should put on the wire, in order: the
    /// whole file, or what a script's calls should send (nil: the whole file,
    /// also for a program, whose response the wire check frames itself).
    public var sentRanges: [ByteRange]? {
        guard let sender = workload.sender else { return nil }
        if let framing = sender.framing { return framing.sentRanges(fileSize: file.size) }
        if let zerocopy = sender.zerocopy, let steps = zerocopy.steps {
            // A script sends a prefix of the file on TCP (as much as its sends
            // ask, or all of it when it sends until an error), nothing on UDP.
            guard zerocopy.socket == .tcp else { return [ByteRange(lower: 0, upper: 0)] }
            if steps.contains(where: { if case .sendUntilError = $0 { true } else { false } }) { return nil }
            let asked = steps.reduce(UInt64(0)) { total, step in
                if case .send(let bytes) = step { total.addingReportingOverflow(bytes).overflow ? .max : total + bytes } else { total }
            }
            return [ByteRange(lower: 0, upper: min(asked, file.size))]
        }
        guard let script = sender.script else { return nil }
        var position: Int64 = 0
        return script.map { $0.intendedRange(size: file.size, position: &position) }
    }

    /// What the receiver and the wire should see.
    public var expectedStream: any ExpectedContent { stream(of: file.content) }

    /// What the wire should carry: the expected stream, or for a program its
    /// response, `header` (as its client read it) and then the file.
    public func wireContent(header: [UInt8]) -> any ExpectedContent {
        if case .program = workload { PrefixedContent(prefix: header, base: file.content) } else { expectedStream }
    }

    /// `content` at the file's offsets laid out as the stream carries the
    /// file (after a header, say): the file, or what was written over it.
    public func stream(of content: PatternContent) -> any ExpectedContent {
        sentRanges.map { ConcatenatedContent(base: content, pieces: $0) } ?? content
    }

    /// Bytes of the stream that come from the file's first `size` bytes:
    /// the stream's length once the file is truncated to `size`.
    public func streamLength(fileTruncatedTo size: UInt64) -> UInt64 {
        guard let ranges = sentRanges else { return size }
        return ranges.reduce(0) { $0 + (min($1.upper, size) > $1.lower ? min($1.upper, size) - $1.lower : 0) }
    }
}

/// How the sender sends.
public struct SenderSpec: Codable, Sendable {
    public var method: SendMethod
    /// Bytes asked for per call; nil: the path's own default (the whole rest
    /// of the file for sendfile and mmap-write, 128 KiB for read-write, the
    /// pipe's capacity for splice, 64 KiB for the MSG_ZEROCOPY paths).
    public var chunk: UInt64?
    /// SO_SNDBUF, if set.
    public var sendBuffer: Int32?
    /// A lease to take on the file before sending.
    public var lease: LeaseSpec?
    /// A header written before the file, and the socket options around it.
    public var framing: HeaderFraming?
    /// What the socket carries the file over.
    public var transport = Transport.tcp
    /// The keys only `method`'s path reads: always of that path's own
    /// `Options` type (`SendPath.make` relies on it).
    public var options: any SendPathOptions

    public init(method: SendMethod, options: (any SendPathOptions)? = nil) {
        self.method = method
        self.options = options ?? method.path.defaultOptions
    }

    /// The io_uring requests the method makes with these options (none: it makes syscalls).
    public var ioUringRequests: [IoUringRing.Request] { method.path.ioUringRequests(of: options) }

    /// msg-zerocopy's options.
    public var zerocopy: ZerocopyOptions? { options as? ZerocopyOptions }
    /// sendfile's script of calls.
    public var script: [ScriptedCall]? { (options as? SendfileOptions)?.script }

    enum CodingKeys: String, CodingKey {
        case method, chunk, lease, framing, options, transport
        case sendBuffer = "send_buffer"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        method = try container.decode(SendMethod.self, forKey: .method)
        chunk = try container.decodeIfPresent(UInt64.self, forKey: .chunk)
        sendBuffer = try container.decodeIfPresent(Int32.self, forKey: .sendBuffer)
        lease = try container.decodeIfPresent(LeaseSpec.self, forKey: .lease)
        framing = try container.decodeIfPresent(HeaderFraming.self, forKey: .framing)
        transport = try container.decodeIfPresent(Transport.self, forKey: .transport) ?? .tcp
        options = try method.path.decodeOptions(from: try container.superDecoder(forKey: .options))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(method, forKey: .method)
        try container.encodeIfPresent(chunk, forKey: .chunk)
        try container.encodeIfPresent(sendBuffer, forKey: .sendBuffer)
        try container.encodeIfPresent(lease, forKey: .lease)
        try container.encodeIfPresent(framing, forKey: .framing)
        try container.encode(transport, forKey: .transport)
        try options.encode(to: container.superEncoder(forKey: .options))
    }
}

/// What the sender's socket carries the file over (`sender.transport`).
public enum Transport: String, Codable, Sendable, CaseIterable {
    /// One TCP connection, the default.
    case tcp
    /// UDP, connected to the receiver's address and port: each send call's
    /// bytes are one datagram, which the receiver places by its own bytes.
    case udp
}

/// How the receiver reads (see `ReceiverConfig`).
public struct ReceiverSpec: Sendable {
    public var readSize: Int
    public var pauseAfter: UInt64?
    public var receiveBuffer: Int32?
    /// How the stream is taken from the socket (`receiver.method`).
    public var method = ReceiveMethod.read
    /// mmap-receive: bytes of the socket's mapping, whole pages.
    public var mapSize = 2 << 20
    /// mmap-receive: read the mapping after the stream ended and once its pages are dropped.
    public var touchAfterEnd = false
    /// false: the read loop counts bytes and compares none (for measuring; `zclab bench`).
    public var check = true
}

extension ReceiverSpec {
    /// The io_uring requests the receive method makes (none: it makes syscalls).
    public var ioUringRequests: [IoUringRing.Request] { method == .ioUringRecv ? [IoUringRing.Request(.receive)] : [] }
}

/// Where and how to capture.
public struct CaptureSpec: Sendable {
    public enum Side: String, Sendable, CaseIterable { case receiver, sender }
    /// The ends to capture on; the receiver's by default, since a packet tap on
    /// the sender can itself change zero-copy accounting.
    public var sides: [Side]
    public var snaplen: Int32
    /// libpcap's ring in bytes; nil sizes it to the transfer (see `ringSize(for:)`).
    public var bufferSize: Int32?
    /// What payload the capture keeps.
    public var payload: Payload = .full

    public enum Payload: String, Sendable, CaseIterable {
        /// Every packet whole: the wire check covers every byte.
        case full
        /// Headers of every packet, whole packets only around the file's marks
        /// (its data extents): for streams too large to keep on disk.
        case marks
    }

    /// The ring for a transfer of `bytes` when the scenario does not say:
    /// large enough to hold the whole transfer, between 128 MiB and 1 GiB, so
    /// that a writer that falls behind while the transfer takes both cores
    /// still drops nothing (measured: a 1 GiB sendfile over veth dropped 13%
    /// of its packets with a 128 MiB ring, none with 512 MiB).
    public static func ringSize(for bytes: UInt64) -> Int32 {
        Int32(min(max(bytes + (32 << 20), 128 << 20), 1 << 30))
    }
}

/// Something the runner does when a trigger fires.
public struct Action: Sendable, Equatable {
    public enum Trigger: String, Sendable, CaseIterable {
        /// The receiver stopped at its `pause_after` point.
        case receiverPaused = "receiver.paused"
        /// The sender is provably blocked inside its send syscall
        /// (/proc/PID/syscall and /proc/PID/stat, unchanged over several samples).
        case senderBlocked = "sender.blocked"
        /// The receiver is provably blocked inside its receive syscall (the
        /// same proof: splice for splice-to-file, read, poll, io_uring_enter).
        case receiverBlocked = "receiver.blocked"
        /// As soon as the previous action has completed.
        case previousDone = "previous.done"
        /// The sender reached a `mark` step of its MSG_ZEROCOPY script.
        case senderMarked = "sender.marked"
        /// The sender has finished (its last call returned; its data may still be queued).
        case senderDone = "sender.done"
        /// The live capture has seen the action's `bytes` of TCP payload on the scenario's port.
        case wireBytes = "wire.bytes"
    }
    public enum Kind: Sendable, Equatable {
        /// Tell a paused receiver to read on.
        case resumeReceiver
        /// An actor process changes the test file.
        case file(FileOperation)
        /// An actor process changes the splice-to-file receiver's destination (`file: destination`).
        case destination(FileOperation)
        /// Device features of one end change mid-transfer (restored after).
        case features(side: CaptureSpec.Side, settings: [String: Bool])
        /// The `loss:` drop ends: what was dropped is retransmitted.
        case restoreLink
    }
    /// All must hold for the action to fire.
    public var triggers: [Trigger]
    public var kind: Kind
    /// Line in the scenario file, for messages.
    public var line: Int
    /// For `wire.bytes`: the payload bytes the capture must have seen.
    public var wireBytes: UInt64?
}
