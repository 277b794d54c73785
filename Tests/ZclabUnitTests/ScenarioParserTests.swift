import Testing
@testable import ZclabCore

@Suite("Scenario files")
struct ScenarioParserTests {
    let minimal = """
        name: sendfile-veth
        file:
          size: 16MiB
        sender:
          method: sendfile
        expect:
          wire.matches: true
        """

    @Test func minimalScenarioGetsDefaults() throws {
        let scenario = try ScenarioParser.parse(minimal, path: "x.yaml")
        #expect(scenario.name == "sendfile-veth")
        #expect(scenario.file.size == 16 << 20)
        #expect(scenario.workload.sender?.method == .sendfile)
        #expect(scenario.topology == TopologySpec(kind: .veth))
        #expect(scenario.capture.sides == [.receiver])
        #expect(scenario.expectations == [Expectation(key: "wire.matches", matcher: .equals(.flag(true)), line: 7)])
    }

    @Test func everySectionParses() throws {
        let scenario = try ScenarioParser.parse("""
            name: full
            description: all of it
            tags: [basic, pause]
            topology: {kind: loopback, mtu: 1280}
            file:
              size: 1GiB
              seed: 7
              data: ["0..1MiB", "512MiB..513MiB"]
            sender: {method: splice, chunk: 64KiB, send_buffer: 64KiB, pipe_size: 1MiB}
            receiver: {pause_after: 4MiB, read_size: 4096, receive_buffer: 128KiB}
            capture: {on: both, snaplen: 128, buffer_size: 64MiB}
            actions:
              - when: sender.blocked
                do: resume-receiver
            timeout: 30
            port: 7000
            expect:
              sender.splice.return_max: {max: 1MiB}
              sender.error: {one_of: [none, EPIPE]}
              sender.bytes: 2GiB-4KiB
            """, path: "full.yaml")
        #expect(scenario.tags == ["basic", "pause"])
        #expect(scenario.topology == TopologySpec(kind: .loopback, mtu: 1280))
        #expect(scenario.file.dataExtents == [ByteRange(lower: 0, upper: 1 << 20), ByteRange(lower: 512 << 20, upper: 513 << 20)])
        #expect((scenario.workload.sender?.options as? PipeOptions)?.pipeSize == 1 << 20)
        #expect(scenario.receiver.pauseAfter == 4 << 20)
        #expect(scenario.capture.sides == [.receiver, .sender])
        #expect(scenario.actions.map(\.triggers) == [[.senderBlocked]])
        #expect(scenario.port == 7000)
        #expect(scenario.expectations.map(\.matcher) == [
            .range(min: nil, max: 1 << 20), .oneOf([.text("none"), .text("EPIPE")]), .equals(.number((2 << 30) - 4096)),
        ])
    }

    /// Each broken file must be reported at the line (and column) of the problem.
    @Test(arguments: [
        ("name: x\nfile: {size: 1MiB}\nsender:\n  method: sendfil\n", 4, "sender method 'sendfil' is not one of"),
        ("name: x\nfile: {size: 1MiB}\nsender: {method: sendfile}\nsndbuf: 4\n", 4, "unknown key 'sndbuf'"),
        ("name: x\nfile: {size: lots}\nsender: {method: sendfile}\n", 2, "'lots' is not a byte count"),
        ("name: x\nfile: {size: 1MiB}\nsender: {method: sendfile}\nexpect:\n  wire.colour: red\n", 5, "unknown observation 'wire.colour'"),
        ("name: x\nfile: {size: 1MiB}\nsender: {method: sendfile}\nreceiver: {pause_after: 1KiB}\nexpect: {wire.matches: true}\n", 4, "no action resumes it"),
        ("name: x\nfile: {size: 1MiB}\nsender: [a, b\n", 4, "YAML"),
        ("file: {size: 1MiB}\nsender: {method: sendfile}\n", 1, "missing 'name'"),
        ("name: x\nfile: {size: 1MiB, data: [\"2MiB..3MiB\"]}\nsender: {method: sendfile}\n", 2, "within the file"),
        ("name: x\ntopology: {kind: veth, mtu: 10}\nfile: {size: 1MiB}\nsender: {method: sendfile}\n", 2, "mtu must be within"),
    ])
    func errorsNameFileAndLine(text: String, line: Int, message: String) {
        expectParseError(text, line: line, message: message)
    }

    @Test func shippedScenariosAreValid() throws {
        let root = packageRoot()
        let files = try ScenarioLoader.files(in: [root + "/scenarios"])
        #expect(files.count >= 13)
        let (scenarios, errors) = ScenarioLoader.load(files)
        #expect(errors.isEmpty, "\(errors)")
        #expect(scenarios.allSatisfy { !$0.expectations.isEmpty })
    }
}

@Suite("Byte counts")
struct ByteCountTests {
    @Test(arguments: [
        ("4096", 4096), ("64KiB", 65536), ("16MiB", 16 << 20), ("3GiB", 3 << 30), ("10KB", 10_000),
        ("2GiB-4KiB", (2 << 30) - 4096), ("1GiB + 1", (1 << 30) + 1),
    ] as [(String, UInt64)])
    func parses(text: String, value: UInt64) {
        #expect(ByteCount.parse(text) == value)
    }

    @Test(arguments: ["", "MiB", "12XB", "1-2", "-5", "99999999999TiB"])
    func rejects(text: String) {
        #expect(ByteCount.parse(text) == nil)
    }

    @Test func describes() {
        #expect(ByteCount.describe(16 << 20) == "16 MiB")
        #expect(ByteCount.describe(1000) == "1000")
        #expect(ByteCount.approximate(3 << 29) == "1.5 GiB")
        #expect(ByteCount.approximate(512) == "512 bytes")
    }
}

/// Parsing `text` must fail at `line` with `message` in the error, prefixed "bad.yaml:LINE:".
func expectParseError(_ text: String, line: Int, message: String, sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        _ = try ScenarioParser.parse(text, path: "bad.yaml")
        Issue.record("parsed a broken scenario", sourceLocation: sourceLocation)
    } catch {
        #expect(error.line == line, "\(error)", sourceLocation: sourceLocation)
        #expect(error.description.contains(message), "\(error)", sourceLocation: sourceLocation)
        #expect(error.description.hasPrefix("bad.yaml:\(line):"), sourceLocation: sourceLocation)
    }
}

/// The package's root folder, from this file's path.
func packageRoot(_ file: String = #filePath) -> String {
    var parts = file.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/")
}
