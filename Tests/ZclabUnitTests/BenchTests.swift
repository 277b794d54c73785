import Testing
@testable import ZclabCore

/// `zclab bench`'s arithmetic: spreads over repetitions and the crossover.
@Suite("Bench figures")
struct BenchTests {
    func row(_ path: String, _ size: UInt64, machine: [Double]) -> BenchRow {
        var row = BenchRow([BenchSample(point: BenchPlan.Point(topology: "veth", path: path, size: size, repetition: 1), verdict: .pass)])
        row.machineCPU = Spread(machine)
        return row
    }

    @Test func spreadIsMedianAndRange() {
        #expect(Spread([3, 1, 2]) == Spread(median: 2, min: 1, max: 3))
        #expect(Spread([4, 1, 2, 3])?.median == 2.5)
        #expect(Spread([]) == nil)
    }

    @Test func crossoverIsTheFirstCheaperSizeAndSaysWhenRangesOverlap() {
        let rows = [
            row("read-write", 4096, machine: [1.0, 1.1, 1.2]), row("sendfile", 4096, machine: [1.5, 1.6, 1.7]),
            row("read-write", 65536, machine: [1.0, 1.1, 1.2]), row("sendfile", 65536, machine: [0.9, 1.05, 1.15]),
            row("read-write", 1 << 20, machine: [1.0, 1.1, 1.2]), row("sendfile", 1 << 20, machine: [0.5, 0.6, 0.7]),
            row("msg-zerocopy", 4096, machine: [2, 2, 2]), row("msg-zerocopy", 65536, machine: [2, 2, 2]),
            row("vmsplice", 4096, machine: [0.5, 0.5, 0.5]), row("vmsplice", 65536, machine: [2, 2, 2]),
        ]
        let found = Crossover.find(rows, cost: "machine", \.machineCPU)
        let sendfile = found.first { $0.path == "sendfile" }
        #expect(sendfile?.size == 65536 && sendfile?.certain == false && sendfile?.cheaperAt == [65536, 1 << 20])
        #expect(sendfile?.statement == "from 64 KiB (the ranges overlap there)")
        let zerocopy = found.first { $0.path == "msg-zerocopy" }
        #expect(zerocopy?.size == nil && zerocopy?.statement == "never")
        let vmsplice = found.first { $0.path == "vmsplice" }
        #expect(vmsplice?.size == nil && vmsplice?.statement == "only at 4 KiB")
    }

    @Test func everyPointIsAScenarioThatParses() throws {
        var plan = BenchPlan()
        plan.sizes = [4096, 1 << 20]
        plan.repetitions = 2
        let scenarios = try plan.scenarios()
        #expect(scenarios.count == 2 * 2 * 2 * (SendMethod.allCases.count + 2))
        #expect(Set(scenarios.map(\.1.name)).count == scenarios.count)
        #expect(scenarios.allSatisfy { $0.1.capture.sides.isEmpty })
        #expect(scenarios.first?.1.name == "bench-veth-read-write-4KiB-r1")
    }
}
