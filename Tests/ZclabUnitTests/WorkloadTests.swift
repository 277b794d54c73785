import Testing
@testable import ZclabCore

/// A scenario's kind is one `Workload` case, holding what that kind needs;
/// the keys that would mix kinds are located errors, as before the enum.
@Suite("Scenario workloads")
struct WorkloadTests {
    let program = "program: {command: [server, \"{port}\"], port: 8080}\n"
    let expect = "expect: {client.end: complete}\n"

    @Test func eachKindParsesToItsCase() throws {
        let transfer = try ScenarioParser.parse(
            "name: t\nfile: {size: 1MiB}\nsender: {method: splice}\nexpect: {wire.matches: true}\n", path: "t.yaml")
        guard case .transfer(let sender) = transfer.workload else { Issue.record("\(transfer.workload)"); return }
        #expect(sender.method == .splice)

        let served = try ScenarioParser.parse(
            "name: p\nfile: {size: 1MiB}\n" + program + "client: {request: \"GET / HTTP/1.0\\r\\n\\r\\n\"}\n" + expect,
            path: "p.yaml")
        guard case .program(let spec, let client) = served.workload else { Issue.record("\(served.workload)"); return }
        #expect(spec.port == 8080 && served.port == 8080)
        #expect(client.request == "GET / HTTP/1.0\r\n\r\n")
        #expect(served.workload.sender == nil)
        #expect(served.sentRanges == nil)

        let simulated = try ScenarioParser.parse("""
            name: s
            file: {size: 1MiB}
            sender: {method: msg-zerocopy, chunk: 64KiB}
            simulate: {first_id: 4294967294, sends: 4}
            expect: {zerocopy.sends: 4}
            """, path: "s.yaml")
        guard case .simulation(let simulation, let simulatedSender) = simulated.workload else {
            Issue.record("\(simulated.workload)")
            return
        }
        #expect(simulation == Simulation(firstID: 4_294_967_294, sends: 4))
        #expect(simulatedSender.chunk == 64 << 10)
        #expect(simulated.workload.sender?.method == .msgZerocopy)
    }

    @Test func keysThatMixKindsAreLocatedErrors() {
        let file = "name: x\nfile: {size: 1MiB}\n"
        expectParseError(
            file + "copy: {method: sendfile}\nsender: {method: sendfile}\n" + expect, line: 4,
            message: "a copy scenario has no sender, receiver, capture or actions")
        expectParseError(
            file + program + "sender: {method: sendfile}\nclient: {request: x}\n" + expect, line: 4,
            message: "a program scenario has no sender or copy: the program sends")
        expectParseError(file + program + expect, line: 1, message: "a program needs a 'client' (at least its request)")
        expectParseError(
            file + "sender: {method: sendfile}\nclient: {request: x}\n" + expect, line: 4,
            message: "a client is for a program scenario ('program:')")
        expectParseError(file + expect, line: 1, message: "missing 'sender' (at least its method), 'program', 'copy' or 'pipe'")
    }

    @Test func onlyZclabsZerocopySenderCanBeSimulated() {
        let file = "name: x\nfile: {size: 1MiB}\n"
        expectParseError(
            file + program + "client: {request: x}\nsimulate: {first_id: 7}\n" + expect, line: 5,
            message: "simulate: the model covers MSG_ZEROCOPY scenarios only (this one is a program)")
        expectParseError(
            file + "copy: {method: sendfile}\nsimulate: {first_id: 7}\n" + expect, line: 4,
            message: "simulate: the model covers MSG_ZEROCOPY scenarios only (this one is a file copy)")
        expectParseError(
            file + "sender: {method: sendfile}\nsimulate: {first_id: 7}\n" + expect, line: 4,
            message: "simulate: the model covers MSG_ZEROCOPY scenarios only (this one is sendfile)")
    }
}
