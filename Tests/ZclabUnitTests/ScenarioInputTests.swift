import Foundation
import Testing
@testable import ZclabCore

/// Bad scenario input found by users and by fuzzing (issue 12): each must be
/// a located error, never a trap, and never accepted by check only to fail
/// in run.
@Suite("Bad scenario input")
struct ScenarioInputTests {
    /// A scenario around `body`, with a sender and (unless `body` has one) an expect.
    static func scenario(_ body: String, expect: Bool = true) -> String {
        "name: t\nsender: {method: sendfile}\n" + body + (expect ? "\nexpect: {wire.matches: true}\n" : "\n")
    }

    /// Numbers past 2^63-1, or sums that overflow, trapped in Int64 arithmetic.
    @Test(arguments: [
        ("file: {size: 9223372036854775808}", 3, "out of range"),
        ("file: {size: 8388607TiB+8388607TiB}", 3, "out of range"),
        ("file: {size: 18446744073709551615B}", 3, "out of range"),
        ("file: {size: 4611686018427387904+4611686018427387904}", 3, "out of range"),
        ("file: {size: 1MiB, seed: 18446744073709551615}", 3, "out of range"),
        ("topology: {mtu: 9223372036854775808}\nfile: {size: 1MiB}", 3, "mtu must be within 68 ... 65535"),
        ("port: 99999999999999999999\nfile: {size: 1MiB}", 3, "port must be within"),
        ("file: {size: 1MiB, marks: [end]}\nreceiver: {pause_after: 18446744073709551615}", 4, "out of range"),
        ("file: {size: 0, marks: [end]}", 3, "mark 'end' is not an offset within the file"),
    ])
    func numbersOutOfRange(body: String, line: Int, message: String) {
        expectParseError(Self.scenario(body), line: line, message: message)
    }

    @Test(arguments: [
        ("receiver.bytes: 9223372036854775808", "out of range"),
        ("receiver.bytes: {min: 0, max: 99999999999999999999}", "out of range"),
        ("receiver.bytes: {min: 8388607TiB+8388607TiB}", "out of range"),
    ])
    func expectNumbersOutOfRange(entry: String, message: String) {
        expectParseError("name: t\nsender: {method: sendfile}\nfile: {size: 1MiB}\nexpect:\n  \(entry)\n", line: 5, message: message)
    }

    /// `timeout: 1e400` passed check and trapped in run converting to UInt64.
    @Test(arguments: ["1e400", "99999999999999999999", "inf", "nan", "-1", "0", "86401"])
    func timeoutsOutOfRange(value: String) {
        expectParseError(Self.scenario("timeout: \(value)\nfile: {size: 1MiB}"), line: 3, message: "timeout must be a number of seconds")
    }

    @Test func timeoutsInRange() throws {
        #expect(try ScenarioParser.parse(Self.scenario("timeout: 0.5\nfile: {size: 1MiB}"), path: "t.yaml").timeout == 0.5)
        #expect(try ScenarioParser.parse(Self.scenario("timeout: 86400\nfile: {size: 1MiB}"), path: "t.yaml").timeout == 86400)
    }

    /// Expect values that their key can never take failed only after the run.
    @Test(arguments: [
        ("receiver.bytes: SIGRTMIN-5", "receiver.bytes is a number"),
        ("receiver.bytes: true", "receiver.bytes is a number"),
        ("receiver.bytes: \"str\"", "receiver.bytes is a number"),
        ("receiver.bytes: .inf", "receiver.bytes is a number"),
        ("receiver.bytes: {min: 5, max: 1}", "min 5 is more than max 1"),
        ("receiver.bytes: {one_of: [1, yes]}", "receiver.bytes is a number"),
        ("wire.matches: 1", "wire.matches is true or false"),
        ("sender.error: EWHATEVER", "sender.error is an errno name or none"),
        ("sender.signal: SIGRTMIN+99", "sender.signal is a signal name or none"),
        ("wire.status: passed", "wire.status is pass, fail, unverifiable"),
        ("wire.status: {min: 1}", "a range {min:, max:} can never match it"),
        ("frames.receiver.first_segments: 1448", "quote text that looks like a number"),
        ("sender.script.1.return: none", "a number or error"),
        ("expect: {}", "unknown observation 'expect'"),
    ])
    func expectValuesOfTheWrongType(entry: String, message: String) {
        expectParseError("name: t\nsender: {method: sendfile}\nfile: {size: 1MiB}\nexpect:\n  \(entry)\n", line: 5, message: message)
    }

    @Test func expectValuesOfTheirType() throws {
        let scenario = try ScenarioParser.parse("""
            name: t
            sender: {method: sendfile}
            file: {size: 1MiB}
            expect:
              sender.exit: SIGBUS
              client.exit: 0
              sender.error: {one_of: [none, EPIPE]}
              sender.signal: SIGRTMIN+1
              wire.first_mismatch: none
              receiver.first_mismatch: {min: 0, max: 1MiB}
              frames.sender.first_segments: "1448"
              features.sender.tso: off
              client.record.bytes: 5
              sender.script.2.return: error
            """, path: "t.yaml")
        #expect(scenario.expectations.count == 10)
    }

    @Test func aScenarioMustExpectSomething() {
        expectParseError(Self.scenario("file: {size: 1MiB}", expect: false), line: 1, message: "missing 'expect'")
        expectParseError(Self.scenario("file: {size: 1MiB}\nexpect: {}", expect: false), line: 4, message: "a scenario must expect something")
    }

    @Test func pauseAfterMustBeWithinTheFile() {
        expectParseError(Self.scenario("""
            file: {size: 1MiB}
            receiver: {pause_after: 2MiB}
            actions: [{when: sender.blocked, do: resume-receiver}]
            """), line: 4, message: "pause_after (2097152 bytes) must be less than the file's size")
    }

    @Test(arguments: [
        ("sysctls: {fs/lease-break-time: abc}", "fs/lease-break-time takes a whole number"),
        ("sysctls: {fs/lease-break-time: -1}", "within 0 ... 2147483647"),
        ("namespace_sysctls: {net/core/optmem_max: 99999999999}", "within 0 ... 2147483647"),
        ("namespace_sysctls: {net/ipv4/tcp_wmem: 4096}", "3 whole numbers"),
        ("namespace_sysctls: {net/ipv4/tcp_rmem: \"0 1 2\"}", "within 1 ... 2147483647"),
    ])
    func sysctlValuesTheKernelWouldRefuse(entry: String, message: String) {
        expectParseError(Self.scenario("file: {size: 1MiB}\n" + entry), line: 4, message: message)
    }

    @Test func sysctlValuesKeptAsWritten() throws {
        let scenario = try ScenarioParser.parse(Self.scenario("file: {size: 1MiB}\nnamespace_sysctls: {net/ipv4/tcp_wmem: 4096 16384 4194304}"), path: "t.yaml")
        #expect(scenario.namespaceSysctls["net/ipv4/tcp_wmem"] == "4096 16384 4194304")
    }

    /// Duplicate keys were reported at 0:0; libyaml's own errors carry the position.
    @Test func yamlErrorsAreLocated() {
        expectParseError(Self.scenario("file: {size: 1MiB}\nfile: {size: 2MiB}"), line: 3, message: "the same key more than once: 'file'")
        expectParseError(Self.scenario("file: {size: 1MiB"), line: 4, message: "YAML: did not find expected ',' or '}' (while parsing a flow mapping at 3:7)")
        expectParseError("name: t\n---\nname: u\n", line: 2, message: "YAML: but found another document")
        expectParseError("name: t\nsender: *nowhere\n", line: 2, message: "YAML")
        expectParseError("name: t\n\tfile: 1\n", line: 2, message: "YAML")
        expectParseError("name: t\nfile: x\u{1}\n", line: 2, message: "YAML: control characters are not allowed")
    }

    /// A reader error (bad bytes) gives a byte offset, turned into line and column.
    @Test func readerErrorsAreLocated() throws {
        let error = ScenarioParser.yamlError(.reader(problem: "control characters are not allowed", offset: 12, value: 1, yaml: ""),
                                             text: "name: t\nfile: \u{1}\n", path: "bad.yaml")
        #expect(error.description == "bad.yaml:2:5: YAML: control characters are not allowed")
    }

    /// A 1 MB value was echoed whole in the message.
    @Test func messagesRepeatAtMost80CharactersOfTheFile() throws {
        let long = String(repeating: "x", count: 200_000)
        do {
            _ = try ScenarioParser.parse("name: \(long)!\n", path: "bad.yaml")
            Issue.record("parsed a broken name")
        } catch {
            #expect(error.description.count < 250, "\(error.description.count)")
            #expect(error.description.contains(String(repeating: "x", count: 80) + "…"))
        }
        #expect(ScenarioError(path: "p", line: 1, column: 1, message: long).message.count <= ScenarioError.longestMessage)
    }

    @Test func largeFilesAreRefusedBeforeTheyAreRead() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("zcl-input-test-\(getpid()).yaml").path
        let text = Self.scenario("file: {size: 1MiB}\ntags: [" + Array(repeating: "x", count: 200_000).joined(separator: ", ") + "]")
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: ScenarioError.self) { try ScenarioParser.parse(contentsOf: path) }
        expectParseError(text, line: 1, message: "scenario files may be at most 262144 bytes")
    }

    /// A string anchor aliased thousands of times made `list` hold gigabytes.
    @Test func aliasExpansionIsBounded() {
        let big = String(repeating: "a", count: 100_000)
        expectParseError(Self.scenario("file: {size: 1MiB}\ntags: [&a \(big), " + Array(repeating: "*a", count: 20).joined(separator: ", ") + "]"),
                         line: 4, message: "more than 1 MiB of text once its aliases are expanded")
        var bomb = "file: {size: 1MiB}\nl0: &l0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...6 { bomb += "l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ") + "]\n" }
        expectParseError(Self.scenario(bomb), line: 4, message: "more than 100000 values once its aliases are expanded")
    }
}

@Suite("Byte counts in range")
struct ByteCountRangeTests {
    /// Every step of a sum is checked: the old code added UInt64 terms as Int64 and trapped.
    @Test(arguments: [
        ("9223372036854775807", .success(UInt64(Int64.max))),
        ("9223372036854775808", .failure(.outOfRange)),
        ("8388607TiB+8388607TiB", .failure(.outOfRange)),
        ("18446744073709551616", .failure(.outOfRange)),
        ("16777216TiB", .failure(.outOfRange)),
        ("9223372036854775807-1+1", .success(UInt64(Int64.max))),
        ("1-2", .failure(.outOfRange)),
        ("1x", .failure(.notACount)),
        ("１２", .failure(.notACount)),
        ("", .failure(.notACount)),
    ] as [(String, Result<UInt64, ByteCount.Problem>)])
    func checkedArithmetic(text: String, result: Result<UInt64, ByteCount.Problem>) {
        #expect(ByteCount.value(text) == result)
    }

    @Test func signalNamesStayInTheRealTimeRange() {
        #expect(SignalNames.number("SIGRTMIN+2147483647") == nil)
        #expect(SignalNames.number("SIGRTMIN+-1") == nil)
        #expect(SignalNames.number("SIGRTMIN+1") != nil)
        #expect(SignalNames.isName("SIGBUS") && !SignalNames.isName("SIGNOPE"))
        #expect(Errno.isName("EPIPE") && !Errno.isName("EWHATEVER"))
    }
}


@Suite("Observation catalog")
struct ObservationCatalogTests {
    /// The catalog's value kinds must match what the code records: every value
    /// the reference model records for the shipped MSG_ZEROCOPY scenarios (the
    /// same `Observations` code a kernel run uses) is of its key's kind.
    @Test func recordedValuesAreOfTheirKeysKind() throws {
        let files = try ScenarioLoader.files(in: [packageRoot() + "/scenarios/zerocopy"])
        let (scenarios, errors) = ScenarioLoader.load(files)
        #expect(errors.isEmpty)
        var checked = 0
        for scenario in scenarios {
            var result = ScenarioResult(name: scenario.name, file: scenario.path, tags: [], verdict: .error, reason: "")
            ZerocopyScenarioModel.judge(scenario, into: &result)
            for (name, value) in result.observations {
                let key = try #require(ObservationKeys.key(name), "\(name) is recorded but not in the catalog")
                #expect(key.type.admits(value), "\(scenario.name): \(name) = \(value) is not \(key.type)")
                checked += 1
            }
        }
        #expect(checked > 100)
    }

    @Test func patternsNameTheirPlaceholders() {
        #expect(ObservationKeys.key("frames.sender.largest_frame")?.pattern == "frames.SIDE.largest_frame")
        #expect(ObservationKeys.key("sender.script.12.offset_after")?.pattern == "sender.script.N.offset_after")
        #expect(ObservationKeys.key("receiver.sendfile.calls")?.pattern == "ACTOR.CALL.calls")
        #expect(ObservationKeys.key("sender.script.x.return") == nil)
        #expect(ObservationKeys.key("frames.middle.frames") == nil)
        #expect(Set(ObservationKeys.all.map(\.pattern)).count == ObservationKeys.all.count)
    }
}
