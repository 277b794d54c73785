import Testing
@testable import ZclabCore

/// The runner stops a long wire verification on Ctrl-C through its checkpoint.
@Suite("WireVerifier checkpoint")
struct WireCheckpointTests {
    struct Stop: Error {}

    @Test("what the checkpoint throws ends the verification; it is called every 4096 packets")
    func checkpointEndsVerification() throws {
        let transfer = SyntheticTransfer(count: 4096 * 100)
        transfer.sendAll(mss: 100)  // 4096 data segments and as many ACKs
        var calls = 0
        #expect(throws: Stop.self) { try transfer.verify(checkpoint: { calls += 1; throw Stop() }) }
        #expect(calls == 1)
        calls = 0
        #expect(try transfer.verify(checkpoint: { calls += 1 }).status == .pass)
        #expect(calls == 2 * (2 * 4096 + 4) / 4096)
    }
}
