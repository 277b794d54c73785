import Testing
@testable import ZclabCore

@Suite("io_uring probes")
struct IoUringProbeTests {
    /// The probes zclab skips on ask this kernel: it knows both requests,
    /// takes IORING_SEND_ZC_REPORT_USAGE, and refuses a flag no kernel has.
    @Test(.enabled(if: IoUringRing.isBuiltIn)) func thisKernelKnowsWhatZclabSends() throws {
        let ring = try IoUringRing(entries: 4)
        for operation in IoUringRing.Operation.allCases { #expect(try ring.supports(operation), "\(operation)") }
        #expect(try ring.acceptsSendZerocopy(.reportUsage))
        #expect(try !ring.acceptsSendZerocopy(IoUringRing.SendZerocopyFlags(rawValue: 1 << 7)))
    }
}
