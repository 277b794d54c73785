/// What `zclab bench` measures: each send path at each send size on each
/// topology, several times, plus iperf3 and iperf3 -Z on the same topologies
/// and sizes. Every measurement is an ordinary scenario (the same agents,
/// topology and teardown as `zclab run`) with no capture (a packet tap
/// changes what is measured). The receiver counts the bytes and compares
/// none (`receiver.check: false`): its check would bound the throughput of
/// every path alike; `zclab run` is where the bytes are judged.
public struct BenchPlan: Sendable {
    public var methods: [SendMethod] = SendMethod.allCases
    public var sizes: [UInt64] = [4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20]
    public var topologies: [TopologySpec.Kind] = [.veth, .loopback]
    public var repetitions = 3
    /// Bytes per measurement: the test file's size.
    public var bytes: UInt64 = 256 << 20
    /// Also run iperf3 and iperf3 -Z (when installed).
    public var iperf3 = true

    public init() {}

    /// One measurement: a path (or iperf3) at a size on a topology, in one repetition.
    public struct Point: Sendable, Hashable, Codable {
        public var topology: String
        /// A send method's word, or "iperf3" / "iperf3 -Z".
        public var path: String
        public var size: UInt64
        public var repetition: Int
    }

    /// The scenarios, repetitions outermost (so that drift over the run
    /// spreads over every point), with the point each measures.
    public func scenarios() throws(ScenarioError) -> [(Point, Scenario)] {
        var out: [(Point, Scenario)] = []
        for repetition in 1 ... repetitions {
            for topology in topologies {
                for size in sizes {
                    for method in methods {
                        let point = Point(topology: topology.rawValue, path: method.rawValue, size: size, repetition: repetition)
                        out.append((point, try ScenarioParser.parse(transferText(point, method: method), path: "bench/\(name(point)).yaml")))
                    }
                    guard iperf3, topology != .nic else { continue }  // iperf3 is a program: not across a NIC
                    for zerocopy in [false, true] {
                        let point = Point(topology: topology.rawValue, path: zerocopy ? "iperf3 -Z" : "iperf3", size: size, repetition: repetition)
                        out.append((point, try ScenarioParser.parse(iperf3Text(point, zerocopy: zerocopy), path: "bench/\(name(point)).yaml")))
                    }
                }
            }
        }
        return out
    }

    /// "bench-veth-sendfile-64KiB-r1".
    func name(_ point: Point) -> String {
        "bench-\(point.topology)-\(point.path.replacingOccurrences(of: " -", with: "-z").replacingOccurrences(of: " ", with: ""))-\(ByteCount.describe(point.size).replacingOccurrences(of: " ", with: ""))-r\(point.repetition)"
    }

    private func transferText(_ point: Point, method: SendMethod) -> String {
        """
        name: \(name(point))
        description: "zclab bench: \(method.rawValue), \(point.size)-byte sends over \(point.topology)"
        tags: [bench]
        topology: {kind: \(point.topology)\(point.topology == TopologySpec.Kind.nic.rawValue ? ", direction: to-peer" : "")}
        file: {size: \(bytes), seed: \(point.size % 997 + 1)}
        sender: {method: \(method.rawValue), chunk: \(point.size)}
        receiver: {check: false}
        capture: {on: none}
        timeout: 300
        expect: {receiver.bytes: \(bytes)}
        """
    }

    /// iperf3's server (-s -1) where zclab's sender runs, its client sending
    /// `bytes` in `size`-byte writes (-l), with -Z its sendfile mode.
    private func iperf3Text(_ point: Point, zerocopy: Bool) -> String {
        """
        name: \(name(point))
        description: "zclab bench: iperf3\(zerocopy ? " -Z" : ""), \(point.size)-byte writes over \(point.topology)"
        tags: [bench]
        topology: {kind: \(point.topology)}
        file: {size: 4KiB, seed: 1}
        program:
          command: [iperf3, -s, -1, --forceflush, -B, "{address}", -p, "{port}"]
          port: 5201
          ready_line: "Server listening"
          needs: [iperf3]
        client:
          command: [iperf3, -c, "{address}", -p, "{port}", \(zerocopy ? "-Z, " : "")-n, "\(bytes)", -l, "\(point.size)", -J]
          record:
            bits_per_second: end.sum_received.bits_per_second
            sender_cpu_percent: end.cpu_utilization_percent.host_total
            receiver_cpu_percent: end.cpu_utilization_percent.remote_total
            seconds: end.sum_received.seconds
        capture: {on: none}
        timeout: 300
        expect: {client.exit: 0}
        """
    }
}
