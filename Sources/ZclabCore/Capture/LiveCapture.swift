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

    enum CodingKeys: String, CodingKey {
        case interface, path, filter, snaplen
        case bufferSize = "buffer_size", incomingOnly = "incoming_only"
    }
}

/// A libpcap capture that writes every packet matching its filter to a pcap
/// file, in immediate mode with nanosecond timestamps.
public final class LiveCapture {
    public let config: CaptureConfig
    private let handle: OpaquePointer
    private let dumper: OpaquePointer
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
        try check(pcap_set_immediate_mode(handle, 1), "pcap_set_immediate_mode")
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
    }

    /// A descriptor that poll(2) reports readable when packets wait.
    public var selectableDescriptor: Int32 { pcap_get_selectable_fd(handle) }

    /// Writes every packet waiting in the ring to the file; returns how many.
    @discardableResult
    public func drain() -> Int {
        var written = 0
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        let sink = UnsafeMutableRawPointer(dumper).assumingMemoryBound(to: UInt8.self)
        while pcap_next_ex(handle, &header, &data) == 1 {
            pcap_dump(sink, header, data)
            written += 1
        }
        packets += UInt64(written)
        return written
    }

    /// Drains the ring, flushes and closes the file; returns libpcap's counters.
    public func finish() -> CaptureStatistics {
        drain()
        var stats = pcap_stat()
        let haveStats = pcap_stats(handle, &stats) == 0
        pcap_dump_close(dumper)
        pcap_close(handle)
        return CaptureStatistics(
            path: config.path, interface: config.interface, packets: packets,
            received: haveStats ? UInt64(stats.ps_recv) : 0,
            dropped: haveStats ? UInt64(stats.ps_drop) : 0,
            interfaceDropped: haveStats ? UInt64(stats.ps_ifdrop) : 0,
            snaplen: config.snaplen)
    }

    /// The libpcap version string, e.g. "libpcap version 1.10.3 (with TPACKET_V3)".
    public static var libraryVersion: String { String(cString: pcap_lib_version()) }
}
