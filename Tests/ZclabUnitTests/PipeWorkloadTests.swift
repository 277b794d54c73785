import Testing
@testable import ZclabCore

/// The pipe workload: its steps parse to `PipeStep`s or to located errors,
/// and what a pipe must give back is followed piece by piece, so the first
/// byte that differs is found at its offset in the pipe's stream.
@Suite("Pipe workload")
struct PipeWorkloadTests {
    let head = "name: p\nfile: {size: 16KiB}\n"

    @Test func stepsParseInOrder() throws {
        let scenario = try ScenarioParser.parse(head + """
            pipe:
              steps:
                - fill
                - drain
                - splice: {offset: 4KiB+1, length: 16}
                - vmsplice: 100
                - write: 64
                - read: 8
                - tee
                - tee: {write: 10}
            expect: {pipe.matches: true}
            """, path: "p.yaml")
        guard case .pipe(let spec) = scenario.workload else { Issue.record("\(scenario.workload)"); return }
        #expect(spec.steps == [
            .fill, .drain, .splice(offset: 4097, length: 16), .vmsplice(length: 100), .write(length: 64), .read(length: 8),
            .tee(write: 0), .tee(write: 10),
        ])
        #expect(scenario.workload.sender == nil)
    }

    @Test func aBadStepIsALocatedError() {
        func steps(_ lines: String) -> String { head + "pipe:\n  steps:\n" + lines + "expect: {pipe.matches: true}\n" }
        expectParseError(steps("    - write: 8\n    - pour\n"), line: 6, message: "unknown pipe step 'pour'")
        expectParseError(steps("    - splice: {offset: 16KiB-8, length: 16}\n"), line: 5, message: "reaches past the file's end (16384 bytes)")
        expectParseError(steps("    - splice: {offset: 0}\n"), line: 5, message: "splice needs an offset and a length")
        expectParseError(steps("    - write: 8\n    - read: 9\n"), line: 6, message: "read of 9 bytes, but the steps before put only 8 in the pipe")
        expectParseError(steps("    - write: 8\n    - fill\n"), line: 6, message: "fill is for an empty pipe: drain it first")
        expectParseError(steps("    - write: 0\n"), line: 5, message: "write must be within 1")
        expectParseError(steps("    - {write: 8, read: 8}\n"), line: 5, message: "a pipe step is one of")
        expectParseError(head + "pipe: {steps: []}\nexpect: {pipe.matches: true}\n", line: 3, message: "pipe needs steps")
        expectParseError(
            head + "pipe: {steps: [drain]}\nsender: {method: splice}\nexpect: {pipe.matches: true}\n", line: 4,
            message: "a pipe scenario has no sender, receiver, capture or actions")
        expectParseError(
            head + "pipe: {steps: [drain]}\ncopy: {method: sendfile}\nexpect: {pipe.matches: true}\n", line: 4,
            message: "a pipe scenario has no copy or program")
    }

    /// File bytes, then written bytes, read across the boundary: all match;
    /// a changed byte is found at its stream offset, and so is a byte more
    /// than was put in.
    @Test func readingFollowsWhatWasPutIn() {
        let file = PatternContent(count: 16384, seed: 7)
        var reading = PipeReading()
        reading.put(file, offset: 4097, count: 16)
        reading.put(PipeSpec.writePattern, offset: 0, count: 64)
        #expect(reading.expected.count == 80)

        var bytes = [UInt8](repeating: 0, count: 81)
        bytes.withUnsafeMutableBytes { buffer in
            file.fill(UnsafeMutableRawBufferPointer(rebasing: buffer[0..<16]), at: 4097)
            PipeSpec.writePattern.fill(UnsafeMutableRawBufferPointer(rebasing: buffer[16..<80]), at: 0)
        }
        var clean = reading
        bytes.withUnsafeBytes { buffer in
            clean.check(UnsafeRawBufferPointer(rebasing: buffer[0..<10]))
            clean.check(UnsafeRawBufferPointer(rebasing: buffer[10..<80]))
        }
        #expect(clean.firstMismatch == nil && clean.bytesRead == 80 && clean.expected.count == 0)

        // A write merged into the file's page would put file bytes where written ones belong.
        var merged = reading
        var changed = bytes
        changed[20] ^= 0xFF
        changed.withUnsafeBytes { merged.check(UnsafeRawBufferPointer(rebasing: $0[0..<80])) }
        #expect(merged.firstMismatch == 20)

        var extra = reading
        bytes.withUnsafeBytes { extra.check($0) }
        #expect(extra.firstMismatch == 80 && extra.bytesRead == 81)
    }

    /// What tee duplicates is the pipe's first bytes, whichever pieces they span.
    @Test func teeTakesThePrefix() {
        var content = PipeContent()
        content.append(PipeSpec.writePattern, offset: 0, count: 100)
        content.append(PatternContent(count: 16384, seed: 7), offset: 4097, count: 16)
        let teed = content.prefix(108)
        #expect(teed.count == 108)
        var second = PipeReading(holding: teed)
        var bytes = [UInt8](repeating: 0, count: 108)
        bytes.withUnsafeMutableBytes { _ = content.take(into: $0) }
        bytes.withUnsafeBytes { second.check($0) }
        #expect(second.firstMismatch == nil && second.bytesRead == 108)
        #expect(content.count == 8)
    }

    @Test func aPipeThatGaveBackOtherBytesBreaksTheInvariant() throws {
        let scenario = try ScenarioParser.parse(head + "pipe: {steps: [{write: 8}]}\nexpect: {pipe.matches: true}\n", path: "p.yaml")
        var observations = Observations()
        observations.addPipe(PipeReport(
            pipe: PipeReport.Stream(bytesRead: 8, firstMismatch: nil), tee: nil, userPagesIntact: false, error: nil))
        #expect(observations.values["pipe.matches"] == .flag(false))
        #expect(observations.values["pipe.user_pages_intact"] == .flag(false))
        #expect(observations.values["pipe.tee_matches"] == nil)
        let broken = Invariant.check(observations.values, for: scenario).first { $0.what == "invariant.pipe_intact" }
        #expect(broken?.ok == false)
    }
}
