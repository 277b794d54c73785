import CPcap
#if canImport(Glibc)
import Glibc
#endif

/// How to capture: which interface, what to keep, where to write.
public struct CaptureConfig: Codable, Sendable {
    public var interface: String
    /// Output pcap file (nanosecond timestamps).
    public var path: String
    /// BPF filter in tcpdump syntax, e.g. "tcp port 5001".
    public var filter: String
    public var snaplen: Int32
    /// Kernel ring size in bytes (pcap_set_buffer_size).
    public var bufferSize: Int32
    /// Incoming packets only (pcap_setdirection PCAP_D_IN): on `lo` every
    /// packet passes the tap twice, once each way.
    public var incomingOnly: Bool
    /// Sampling, for streams too large to keep: `path` then holds only the
    /// first bytes (headers) of every packet.
    public var sampling: Sampling?

    /// The filter for one TCP connection's (or UDP flow's) port between two
    /// hosts, IP fragments included: BPF's `tcp port` sees only a first IPv4
    /// fragment (the others have no TCP header) and no IPv6 fragment at all,
    /// so a transfer through a small MTU would lose its bytes at the tap.
    public static func filter(_ transport: Transport = .tcp, port: UInt16, between first: String, and second: String) -> String {
        "host \(first) and host \(second) and (\(transport.rawValue) port \(port) or (ip and ip[6:2] & 0x1fff != 0) or (ip6 and ip6[6] == 44))"
    }

    /// Which payload to keep when the stream is not kept whole.
    public struct Sampling: Codable, Sendable {
        /// Bytes of each packet kept in the main file (headers: 128 covers
        /// Ethernet, IPv6 and TCP with options).
        public var headerBytes: Int32
        /// The file for whole packets whose payload overlaps a window, and the
        /// data direction's packets without payload (handshake, FIN).
        public var samplePath: String
        /// Stream offsets (of the direction towards `dataPort`) to keep whole.
        public var windows: [ByteRange]
        public var dataPort: UInt16

        enum CodingKeys: String, CodingKey {
            case windows
            case headerBytes = "header_bytes", samplePath = "sample_path", dataPort = "data_port"
        }
    }

    enum CodingKeys: String, CodingKey {
        case interface, path, filter, snaplen, sampling
        case bufferSize = "buffer_size", incomingOnly = "incoming_only"
    }
}

/// A libpcap capture that writes every packet matching its filter to a pcap
/// file, through a TPACKET_V3 ring, with nanosecond timestamps.
public final class LiveCapture {
    public let config: CaptureConfig
    private let handle: OpaquePointer
    private let dumper: OpaquePointer
    private var sampler: Sampler?
    public private(set) var packets: UInt64 = 0

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Opens and activates the capture and the output file.
    public init(_ config: CaptureConfig) throws(Failure) {
        self.config = config
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        guard let handle = pcap_create(config.interface, &errorBuffer) else {
            throw Failure(description: "pcap_create(\(config.interface)): \(String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))")
        }
        func check(_ status: Int32, _ what: String) throws(Failure) {
            guard status >= 0 else {
                let detail = String(cString: pcap_geterr(handle))
                pcap_close(handle)
                throw Failure(description: "\(what) on \(config.interface): \(detail)")
            }
        }
        try check(pcap_set_snaplen(handle, config.snaplen), "pcap_set_snaplen")
        // Not immediate mode: libpcap then falls back to TPACKET_V2, whose ring
        // slots are each sized for a whole snaplen (a 128 MiB ring holds only
        // 512 frames at snaplen 256 KiB: a burst of small frames overflows it).
        // TPACKET_V3 packs frames by their size; a block is handed over when
        // full or after `blockTimeoutMs`.
        try check(pcap_set_timeout(handle, Self.blockTimeoutMs), "pcap_set_timeout")
        try check(pcap_set_buffer_size(handle, config.bufferSize), "pcap_set_buffer_size")
        try check(pcap_set_tstamp_precision(handle, Int32(PCAP_TSTAMP_PRECISION_NANO)), "pcap_set_tstamp_precision")
        try check(pcap_activate(handle), "pcap_activate")
        if config.incomingOnly {
            try check(pcap_setdirection(handle, PCAP_D_IN), "pcap_setdirection")
        }
        var program = bpf_program()
        try check(pcap_compile(handle, &program, config.filter, 1, PCAP_NETMASK_UNKNOWN), "pcap_compile(\(config.filter))")
        let filterStatus = pcap_setfilter(handle, &program)
        pcap_freecode(&program)
        try check(filterStatus, "pcap_setfilter")
        try check(pcap_setnonblock(handle, 1, &errorBuffer), "pcap_setnonblock")
        guard let dumper = pcap_dump_open(handle, config.path) else {
            let detail = String(cString: pcap_geterr(handle))
            pcap_close(handle)
            throw Failure(description: "pcap_dump_open(\(config.path)): \(detail)")
        }
        self.handle = handle
        self.dumper = dumper
        if let sampling = config.sampling {
            guard let sampleDumper = pcap_dump_open(handle, sampling.samplePath) else {
                let detail = String(cString: pcap_geterr(handle))
                pcap_dump_close(dumper)
                pcap_close(handle)
                throw Failure(description: "pcap_dump_open(\(sampling.samplePath)): \(detail)")
            }
            sampler = Sampler(sampling, dumper: sampleDumper, linkType: LinkType(rawValue: UInt32(pcap_datalink(handle))))
        }
    }

    /// How long the kernel holds a partly filled ring block before handing it over.
    static let blockTimeoutMs: Int32 = 10

    /// A descriptor that poll(2) reports readable when packets wait.
    public var selectableDescriptor: Int32 { pcap_get_selectable_fd(handle) }

    /// TCP payload bytes of every packet captured so far (both directions,
    /// retransmissions included): how far the transfer is, as the wire shows it.
    public private(set) var payloadBytes: UInt64 = 0

    /// Writes every packet waiting in the ring to the file; returns how many.
    @discardableResult
    public func drain() -> Int {
        var written = 0
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        let sink = UnsafeMutableRawPointer(dumper).assumingMemoryBound(to: UInt8.self)
        let linkType = LinkType(rawValue: UInt32(pcap_datalink(handle)))
        while pcap_next_ex(handle, &header, &data) == 1, let header, let data {
            let bytes = UnsafeRawBufferPointer(start: data, count: Int(header.pointee.caplen))
            switch PacketDecoder.decode(bytes, linkType: linkType, originalLength: Int(header.pointee.len)) {
            case .success(let segment): payloadBytes += UInt64(segment.payloadLength)
            // A fragment's data is payload but for the TCP header in the first one: close enough for progress.
            case .failure(.fragment(let fragment)): payloadBytes += UInt64(fragment.data.count)
            case .failure: break
            }
            if let sampler {
                var kept = header.pointee
                kept.caplen = min(kept.caplen, UInt32(sampler.sampling.headerBytes))
                pcap_dump(sink, &kept, data)
                sampler.consider(header, data)
            } else {
                pcap_dump(sink, header, data)
            }
            written += 1
        }
        packets += UInt64(written)
        return written
    }

    /// Drains the ring, also the last partly filled block once the kernel
    /// hands it over, flushes and closes the file; returns libpcap's counters.
    public func finish() -> CaptureStatistics {
        var quiet = monotonicNanoseconds()
        while monotonicNanoseconds() - quiet < UInt64(3 * Self.blockTimeoutMs) * 1_000_000 {
            var descriptor = pollfd(fd: selectableDescriptor, events: Int16(POLLIN), revents: 0)
            _ = poll(&descriptor, 1, Self.blockTimeoutMs)
            if drain() > 0 { quiet = monotonicNanoseconds() }
        }
        var stats = pcap_stat()
        let haveStats = pcap_stats(handle, &stats) == 0
        pcap_dump_close(dumper)
        sampler?.close()
        pcap_close(handle)
        return CaptureStatistics(
            path: config.path, interface: config.interface, packets: packets,
            received: haveStats ? UInt64(stats.ps_recv) : 0,
            dropped: haveStats ? UInt64(stats.ps_drop) : 0,
            interfaceDropped: haveStats ? UInt64(stats.ps_ifdrop) : 0,
            snaplen: config.snaplen, samplePath: config.sampling?.samplePath, sampledPackets: sampler?.kept)
    }

    /// The libpcap version string, e.g. "libpcap version 1.10.3 (with TPACKET_V3)".
    public static var libraryVersion: String { String(cString: pcap_lib_version()) }
}

/// Keeps whole the packets of the data direction whose payload overlaps a
/// window of stream offsets, tracking offsets from the SYN's sequence number
/// (unwrapped to 64 bits, so streams past 4 GiB keep their offsets).
final class Sampler {
    let sampling: CaptureConfig.Sampling
    private let dumper: OpaquePointer
    private let linkType: LinkType
    private var last: (sequence: UInt32, offset: Int64)?
    private(set) var kept: UInt64 = 0

    init(_ sampling: CaptureConfig.Sampling, dumper: OpaquePointer, linkType: LinkType) {
        self.sampling = sampling
        self.dumper = dumper
        self.linkType = linkType
    }

    func consider(_ header: UnsafeMutablePointer<pcap_pkthdr>, _ data: UnsafePointer<UInt8>) {
        let bytes = UnsafeRawBufferPointer(start: data, count: Int(header.pointee.caplen))
        guard case let .success(segment) = PacketDecoder.decode(bytes, linkType: linkType, originalLength: Int(header.pointee.len)),
            segment.flow.destinationPort == sampling.dataPort
        else { return }
        if segment.flags.contains(.syn) { last = (segment.sequenceNumber &+ 1, 0) }
        guard let reference = last else { return }
        let offset = reference.offset + Int64(Int32(bitPattern: segment.sequenceNumber &- reference.sequence))
        if offset > reference.offset { last = (segment.sequenceNumber, offset) }
        let length = Int64(segment.payloadLength)
        let overlaps = sampling.windows.contains { Int64($0.lower) < offset + length && offset < Int64($0.upper) }
        // A packet that starts each GiB anchors the sample's sequence numbers:
        // between kept packets more than 2 GiB apart, 32-bit sequence numbers
        // could not tell forward from back.
        let anchor = length > 0 && (offset >> 30) != ((offset + length - 1) >> 30) || (offset & ((1 << 30) - 1)) == 0
        if length == 0 || overlaps || anchor {
            pcap_dump(UnsafeMutableRawPointer(dumper).assumingMemoryBound(to: UInt8.self), header, data)
            kept += 1
        }
    }

    func close() { pcap_dump_close(dumper) }
}
