import Testing
@testable import ZclabCore

@Suite("Invariants and behaviour")
struct InvariantTests {
    func scenario(_ extra: String = "") throws -> Scenario {
        try ScenarioParser.parse("""
            name: invariants
            file: {size: 1MiB}
            sender: {method: sendfile}
            \(extra)
            expect: {sender.bytes: 1MiB, sender.error: none}
            strict: [sender.error]
            """, path: "invariants.yaml")
    }

    func result(bytes: Int64, error: String, wireKind: String) throws -> ScenarioResult {
        var observations = Observations()
        observations.values = ["sender.bytes": .number(bytes), "sender.error": .text(error), "wire.first_mismatch_kind": .text(wireKind)]
        var result = ScenarioResult(name: "invariants", file: "invariants.yaml", tags: [], verdict: .error, reason: "")
        result.observations = observations.values
        result.assertions = observations.judge(try scenario().expectations, dropped: 0)
        return result
    }

    @Test func aDifferenceIsAFailureOnlyWhenStrict() throws {
        var strict = try result(bytes: 4096, error: "none", wireKind: "short")
        strict.settle(try scenario(), policy: .strict)
        #expect(strict.verdict == .fail)

        var reported = try result(bytes: 4096, error: "none", wireKind: "short")
        reported.settle(try scenario(), policy: .report)
        #expect(reported.verdict == .differs)
        #expect(reported.reason == "sender.bytes: expected 1048576, got 4096")
        #expect(reported.assertions.first { $0.what == "sender.bytes" }?.kind == .behaviour)

        var strictKey = try result(bytes: 1 << 20, error: "EPIPE", wireKind: "none")
        strictKey.settle(try scenario(), policy: .report)
        #expect(strictKey.verdict == .fail)
    }

    @Test func corruptedBytesFailOnEveryKernel() throws {
        var corrupted = try result(bytes: 1 << 20, error: "none", wireKind: "zeros")
        corrupted.settle(try scenario(), policy: .report)
        #expect(corrupted.verdict == .fail)
        #expect(corrupted.reason.contains("invariant invariant.wire_explained"))

        // The same zeros are explained when the scenario truncates the file.
        let truncating = try scenario("""
            actions:
              - {when: sender.done, do: truncate, to: 4096}
            """)
        var explained = try result(bytes: 1 << 20, error: "none", wireKind: "zeros")
        explained.settle(truncating, policy: .report)
        #expect(explained.verdict == .pass)
        #expect(truncating.changesData)

        var shifted = try result(bytes: 1 << 20, error: "none", wireKind: "shifted")
        shifted.settle(truncating, policy: .strict)
        #expect(shifted.verdict == .fail)
    }

    @Test func strictKeysMustBeExpectations() {
        #expect {
            try ScenarioParser.parse("""
                name: x
                file: {size: 1MiB}
                sender: {method: sendfile}
                expect: {sender.bytes: 1MiB}
                strict: [sender.error]
                """, path: "x.yaml")
        } throws: { error in
            (error as? ScenarioError)?.message == "strict key 'sender.error' is not a key of expect:" && (error as? ScenarioError)?.line == 5
        }
    }
}

@Suite("Copy invariant")
struct CopyInvariantTests {
    func judged(copied: Int64, firstMismatch: ObservedValue) throws -> Assertion? {
        let scenario = try ScenarioParser.parse("""
            name: copy
            file: {size: 1MiB}
            copy: {method: copy_file_range, to: disk}
            expect: {copy.error: EXDEV}
            """, path: "copy.yaml")
        return Invariant.check(["copy.bytes": .number(copied), "copy.first_mismatch": firstMismatch], for: scenario).first
    }

    @Test func aRefusedOrShortCopyIsNotCorruptButWrongBytesAre() throws {
        #expect(try judged(copied: 0, firstMismatch: .number(0))?.ok == true)  // EXDEV: nothing copied
        #expect(try judged(copied: 4096, firstMismatch: .number(4096))?.ok == true)  // cut short
        #expect(try judged(copied: 1 << 20, firstMismatch: .text("none"))?.ok == true)
        let corrupt = try judged(copied: 1 << 20, firstMismatch: .number(12288))
        #expect(corrupt?.ok == false && corrupt?.kind == .invariant)
    }
}
