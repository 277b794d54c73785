import ArgumentParser
import Foundation
import ZclabCore

struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a capture offline: rebuild a TCP stream and compare it byte for byte.",
        discussion: """
            Works on any pcap or pcapng file (tcpdump's, tshark's, zclab's). The expected
            bytes are a file (--expect) or zclab's test pattern (--pattern-size/--seed).
            By default the direction of the TCP flow that carries the most payload is
            checked. Exit status 0 pass, 1 fail or unverifiable, 2 bad input.

              zclab verify receiver.pcap --expect file.bin
              zclab verify cap.pcap --pattern-size 16MiB --seed 1 --port 5001
              zclab verify cap.pcap --expect file.bin --start-offset 1MiB --json
              zclab verify cap.pcap --expect file.bin --flow "192.0.2.1:40000 > 192.0.2.2:5001"
            """)

    @Argument(help: "The capture file.")
    var capture: String

    @Option(name: .long, help: "File holding the bytes the stream must carry.")
    var expect: String?

    @Option(name: .long, help: "Expect zclab's test pattern of this size instead of a file (e.g. 16MiB).")
    var patternSize: String?

    @Option(name: .long, help: "Seed of the test pattern.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Check the data direction of the flow with this TCP port.")
    var port: UInt16?

    @Option(name: .long, help: "Check exactly this direction, e.g. \"192.0.2.1:40000 > 192.0.2.2:5001\".")
    var flow: String?

    @Option(name: .long, help: "Offset into the expected bytes where the stream starts (e.g. 1MiB).")
    var startOffset: String = "0"

    @Flag(name: .long, help: "Print the verdict as JSON.")
    var json = false

    /// The largest test pattern `--pattern-size` takes: its SHA-256 alone
    /// takes about an hour per TiB, and offsets stay far from overflowing.
    static let largestPattern: UInt64 = 1 << 40

    func run() throws {
        let expected: any ExpectedContent
        switch (expect, patternSize) {
        case (let path?, nil):
            do { expected = try FileContent(path: path) } catch { throw ValidationError("\(path): \(error)") }
        case (nil, let size?):
            guard let count = ByteCount.parse(size), count <= Self.largestPattern else {
                throw ValidationError("--pattern-size: '\(size)' is not a byte count from 0 to \(ByteCount.describe(Self.largestPattern))")
            }
            expected = PatternContent(count: count, seed: seed)
        default:
            throw ValidationError("give exactly one of --expect FILE or --pattern-size SIZE")
        }
        guard let start = ByteCount.parse(startOffset), start <= expected.count else {
            throw ValidationError("--start-offset: '\(startOffset)' is not a byte count from 0 to \(expected.count) (the expected bytes)")
        }
        let selector: FlowSelector
        switch (flow, port) {
        case (let text?, nil):
            guard let key = FlowKey(text) else { throw ValidationError("--flow: '\(text)' is not ADDRESS:PORT > ADDRESS:PORT") }
            selector = .exact(key)
        case (nil, let port?): selector = .port(port)
        case (nil, nil): selector = .busiest
        default: throw ValidationError("give --flow or --port, not both")
        }
        let verdict: WireVerdict
        do {
            verdict = try WireVerifier.verify(capture: capture, flow: selector, expected: expected, startOffset: start)
        } catch {
            printError("zclab verify: \(error)")
            throw ExitCode(2)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(verdict), as: UTF8.self))
        } else {
            print("\(verdict.status.rawValue): \(verdict.bytes) of \(verdict.expectedBytes) bytes, flow \(verdict.flow ?? "none")")
            print("sha256 \(verdict.sha256)")
            print("expected sha256 \(verdict.expectedSHA256)")
            print("\(verdict.packets) packets, \(verdict.segments) data segments, \(verdict.retransmittedBytes) retransmitted bytes, \(verdict.outOfOrderSegments) out of order")
            if let mismatch = verdict.firstMismatch {
                var line = "first mismatch at \(mismatch.offset): \(mismatch.kind.rawValue)"
                if let source = mismatch.sourceOffset { line += " (bytes of offset \(source))" }
                print(line + ", expected \(mismatch.expectedHex), found \(mismatch.foundHex)")
            }
            for gap in verdict.gaps { print("gap \(gap)") }
            for conflict in verdict.conflicts { print("conflict \(conflict)") }
            for note in verdict.notes { print("note: \(note)") }
        }
        if verdict.status != .pass { throw ExitCode(1) }
    }
}
