/// A reference model of MSG_ZEROCOPY completion accounting as Linux 6.x does
/// it: which ids sends take, how completions merge on the error queue, and
/// what reading it gives. Pure and deterministic: the timing the kernel
/// decides (whether a send's data is still unsent, when a buffer completes,
/// whether it was copied) is an input, as events.
public struct ZerocopyModel: Sendable, Equatable {
    /// The socket the sends are made on.
    public let socket: Socket
    /// The id the next send takes: the socket's `sk_zckey`.
    public private(set) var nextID: UInt32
    /// Buffers whose sends took ids and which have not completed, oldest first
    /// (the kernel's `ubuf_info_msgzc`, "uarg").
    public private(set) var outstanding: [Buffer] = []
    /// The error queue's completions, head first.
    public private(set) var queued: [ZerocopyCompletion] = []
    /// The completions dequeued by reads, in the order read.
    public private(set) var read: [ZerocopyCompletion] = []

    public init(socket: Socket = Socket()) {
        self.socket = socket
        self.nextID = socket.firstID
    }

    /// Runs `events` on a new model of `socket` and returns its final state.
    public static func run(_ events: [Event], on socket: Socket = Socket()) -> ZerocopyModel {
        var model = ZerocopyModel(socket: socket)
        for event in events { model.apply(event) }
        return model
    }

    /// Applies one event: a send, buffers completing, or a read of the error queue.
    public mutating func apply(_ event: Event) {
        switch event {
        case .send(let bytes, let outcome, let appendsToPrevious):
            send(bytes: bytes, outcome: outcome, appendsToPrevious: appendsToPrevious)
        case .complete(let target, let copied):
            complete(target, copied: copied)
        case .read(let amount):
            let count = amount == .one ? min(1, queued.count) : queued.count
            read += queued.prefix(count)
            queued.removeFirst(count)
        }
    }

    // MARK: Sends

    /// Mirrors the MSG_ZEROCOPY part of tcp_sendmsg_locked (net/ipv4/tcp.c)
    /// and __ip_append_data for UDP: no buffer without SO_ZEROCOPY, nor for a
    /// zero-length TCP send, else msg_zerocopy_realloc. A zero-length UDP
    /// send does take one: the length __ip_append_data checks includes the
    /// 8-byte UDP header (seen on Linux 6.18). A failed send changes nothing,
    /// as msg_zerocopy_put_abort gives its id back.
    private mutating func send(bytes: Int, outcome: SendOutcome, appendsToPrevious: Bool) {
        precondition(bytes >= 0, "a send of \(bytes) bytes")
        guard socket.zerocopyEnabled, bytes > 0 || socket.transport == .udp, outcome == .sent else { return }
        if appendsToPrevious, let last = outstanding.indices.last {
            switch extending(outstanding[last], by: bytes) {
            case .extended(let buffer):
                outstanding[last] = buffer
                nextID &+= 1
                return
            case .refused: return
            case .newBuffer: break
            }
        }
        outstanding.append(Buffer(firstID: nextID, idCount: 1, byteCount: bytes))
        nextID &+= 1
    }

    /// What msg_zerocopy_realloc (net/core/skbuff.c) does with the buffer of
    /// the previous send when the next one appends to it.
    private enum Extension {
        case extended(Buffer)
        /// The send takes a new buffer: the previous one's ids do not end at
        /// the next id, or it is full and the socket is TCP (which starts a new skb).
        case newBuffer
        /// UDP cannot split a corked datagram: the send fails with ENOBUFS.
        case refused
    }

    /// msg_zerocopy_realloc: a buffer grows by one id while it has fewer than
    /// `Buffer.maximumIDs` and stays within `Buffer.maximumBytes`, and only
    /// when its ids end just before the next id.
    private func extending(_ buffer: Buffer, by bytes: Int) -> Extension {
        guard buffer.idCount < Buffer.maximumIDs, buffer.byteCount + bytes <= Buffer.maximumBytes else {
            return socket.transport == .tcp ? .newBuffer : .refused
        }
        guard buffer.firstID &+ UInt32(buffer.idCount) == nextID else { return .newBuffer }
        return .extended(Buffer(firstID: buffer.firstID, idCount: buffer.idCount + 1, byteCount: buffer.byteCount + bytes))
    }

    // MARK: Completions

    /// Completes the buffers `target` names, oldest first.
    private mutating func complete(_ target: CompletionTarget, copied: Bool) {
        let chosen: [Int] = switch target {
        case .oldest: outstanding.isEmpty ? [] : [0]
        case .newest: outstanding.isEmpty ? [] : [outstanding.count - 1]
        case .containing(let id): outstanding.indices.filter { outstanding[$0].contains(id) }
        case .all: Array(outstanding.indices)
        }
        for index in chosen {
            let buffer = outstanding[index]
            enqueue(ZerocopyCompletion(
                lo: buffer.firstID, hi: buffer.firstID &+ UInt32(buffer.idCount - 1), code: copied ? .copied : .zerocopy))
        }
        for index in chosen.reversed() { outstanding.remove(at: index) }
    }

    /// Mirrors __msg_zerocopy_callback (net/core/skbuff.c): the completion
    /// merges into the error queue's tail when it can, else is queued.
    private mutating func enqueue(_ completion: ZerocopyCompletion) {
        if let tail = queued.indices.last, queued[tail].merge(completion) { return }
        queued.append(completion)
    }
}

extension ZerocopyModel {
    /// The socket: SO_ZEROCOPY or not, TCP or UDP, and where its ids start.
    public struct Socket: Sendable, Equatable {
        /// SO_ZEROCOPY is set; without it MSG_ZEROCOPY is ignored: no ids, no completions.
        public var zerocopyEnabled: Bool
        /// Whether a send that finds the previous buffer full takes a new one or fails.
        public var transport: Transport
        /// The socket's `sk_zckey` before the first send: 0 for a new socket.
        public var firstID: UInt32

        public init(zerocopyEnabled: Bool = true, transport: Transport = .tcp, firstID: UInt32 = 0) {
            self.zerocopyEnabled = zerocopyEnabled
            self.transport = transport
            self.firstID = firstID
        }
    }

    /// How a socket's buffers grow (msg_zerocopy_realloc decides by `sk_type`).
    public enum Transport: Sendable, Equatable {
        /// A stream: a send appending to an unsent tail may extend its buffer.
        case tcp
        /// Datagrams: only a send continuing a corked datagram extends its buffer.
        case udp
    }

    /// A MSG_ZEROCOPY buffer (the kernel's `ubuf_info_msgzc`, made by
    /// msg_zerocopy_alloc and grown by msg_zerocopy_realloc): the consecutive
    /// ids of the sends it holds, which complete together.
    public struct Buffer: Sendable, Equatable {
        /// At most this many ids a buffer (msg_zerocopy_realloc stops at USHRT_MAX - 1).
        public static let maximumIDs: UInt16 = .max - 1
        /// At most this many bytes a buffer (msg_zerocopy_realloc's limit, 512 KiB).
        public static let maximumBytes = 1 << 19

        /// The first send's id (`id`).
        public var firstID: UInt32
        /// How many sends it holds (`len`).
        public var idCount: UInt16
        /// The bytes those sends asked to send (`bytelen`).
        public var byteCount: Int

        /// Whether the send with `id` is one of this buffer's (u32 wrap-aware).
        public func contains(_ id: UInt32) -> Bool { id &- firstID < UInt32(idCount) }
    }

    /// One thing that happens to the socket.
    public enum Event: Sendable, Equatable {
        /// send(2) with MSG_ZEROCOPY of `bytes` bytes, as tcp_sendmsg_locked
        /// (net/ipv4/tcp.c) takes it: no id without SO_ZEROCOPY or for 0
        /// bytes on TCP; else msg_zerocopy_alloc, or msg_zerocopy_realloc to take
        /// the previous send's buffer. With `appendsToPrevious` the newest
        /// outstanding buffer can take this send: for TCP, that buffer's data
        /// is still in the unsent tail skb of the write queue; for UDP, this
        /// send continues a corked datagram (MSG_MORE, UDP_CORK).
        case send(bytes: Int, outcome: SendOutcome = .sent, appendsToPrevious: Bool = false)
        /// The kernel is done with the buffers `target` names; `copied`: it
        /// copied their data (always so on loopback and veth). Each buffer
        /// makes a completion as __msg_zerocopy_callback does, merged into the
        /// error queue's tail when skb_zerocopy_notify_extend allows.
        case complete(CompletionTarget, copied: Bool)
        /// recvmsg(2) with MSG_ERRQUEUE.
        case read(ReadAmount)
    }

    /// What send(2) returned.
    public enum SendOutcome: Sendable, Equatable {
        /// Some or all of the bytes were taken: the send keeps its id.
        case sent
        /// An error and no bytes taken (ENOBUFS with optmem exhausted, EPIPE):
        /// msg_zerocopy_put_abort gives the id back, and a buffer left with
        /// no ids completes without a notification.
        case failed
    }

    /// Which outstanding buffers complete. A target that names none does nothing.
    public enum CompletionTarget: Sendable, Equatable {
        /// The buffer with the lowest ids.
        case oldest
        /// The buffer with the highest ids: completions out of order.
        case newest
        /// The buffer holding the send with this id.
        case containing(UInt32)
        /// Every outstanding buffer, oldest first.
        case all
    }

    /// How much one read event takes from the error queue.
    public enum ReadAmount: Sendable, Equatable {
        /// One recvmsg call: the head completion, if any.
        case one
        /// recvmsg until EAGAIN: every queued completion.
        case drain
    }
}

extension ZerocopyModel {
    /// When a schedule's buffers complete.
    public enum CompletionTiming: Sendable, Equatable {
        /// Each send's buffer right after the send: what loopback and veth
        /// do while the receiver keeps up.
        case immediate
        /// All of them after the last send, oldest first.
        case atEnd
    }

    /// The events of zclab's MSG_ZEROCOPY sender: `sends` sends of
    /// `bytesPerSend` bytes, each in a buffer of its own, the error queue read
    /// until EAGAIN after every `readEvery` sends (0: never in between) and
    /// once more at the end.
    public static func schedule(
        sends: Int, bytesPerSend: Int, readEvery: Int, copied: Bool, completion: CompletionTiming
    ) -> [Event] {
        var events: [Event] = []
        for send in 0 ..< sends {
            events.append(.send(bytes: bytesPerSend))
            if completion == .immediate { events.append(.complete(.all, copied: copied)) }
            if readEvery > 0 && (send + 1) % readEvery == 0 { events.append(.read(.drain)) }
        }
        if completion == .atEnd { events.append(.complete(.all, copied: copied)) }
        events.append(.read(.drain))
        return events
    }
}

/// A MSG_ZEROCOPY completion notification (a `sock_extended_err` of origin
/// SO_EE_ORIGIN_ZEROCOPY and errno 0): the sends with ids `lo ... hi`
/// (ee_info, ee_data; u32, so `hi < lo` when the range wraps past 2^32 - 1)
/// are done with their buffers. Predicted by the model, or read from the kernel.
public struct ZerocopyCompletion: Codable, Sendable, Equatable {
    public var lo: UInt32
    public var hi: UInt32
    /// ee_code. The kernel merges completions (skb_zerocopy_notify_extend)
    /// without looking at their codes, so a merged completion carries the
    /// code of the first one merged: sends copied after zero-copy ones can
    /// show as zero-copy, and the other way round.
    public var code: ZerocopyCode

    public init(lo: UInt32, hi: UInt32, code: ZerocopyCode) {
        self.lo = lo
        self.hi = hi
        self.code = code
    }

    /// How many ids the range holds, 1 to 2^32.
    public var idCount: UInt64 { UInt64(hi &- lo) + 1 }

    /// Mirrors skb_zerocopy_notify_extend (net/core/skbuff.c): takes `later`'s
    /// ids into this completion when they follow on (u32 wrap-aware) and the
    /// total stays below 2^32 ids. `later`'s code is dropped.
    mutating func merge(_ later: ZerocopyCompletion) -> Bool {
        guard later.lo == hi &+ 1, idCount + later.idCount < 1 << 32 else { return false }
        hi = later.hi
        return true
    }
}
