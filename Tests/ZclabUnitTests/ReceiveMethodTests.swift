import Testing
@testable import ZclabCore

/// `receiver.method` and what goes with it: each method's keys, the
/// destination actions, and the located errors for what does not fit.
@Suite("Receive methods")
struct ReceiveMethodTests {
    let file = "name: r\nfile: {size: 1MiB}\nsender: {method: read-write}\n"
    let expect = "expect: {receiver.matches: true}\n"

    @Test func methodsAndTheirKeysParse() throws {
        let mapped = try ScenarioParser.parse(
            file + "receiver: {method: mmap-receive, map_size: 1MiB, touch_after_end: true}\n"
                + "sysctls: {net/core/high_order_alloc_disable: \"1\"}\n" + expect, path: "r.yaml")
        #expect(mapped.receiver.method == .mmapReceive && mapped.receiver.mapSize == 1 << 20 && mapped.receiver.touchAfterEnd)
        #expect(mapped.sysctls["net/core/high_order_alloc_disable"] == "1")
        let spliced = try ScenarioParser.parse(file + """
            receiver: {method: splice-to-file}
            loss: {drop_from: 20}
            actions:
              - {when: receiver.blocked, do: overwrite, file: destination, offset: 0, length: 4KiB, seed: 9}
              - {when: previous.done, do: restore-link}
            """ + "\n" + expect, path: "r.yaml")
        #expect(spliced.actions.first?.kind == .destination(.overwrite(offset: 0, length: 4096, seed: 9)))
        #expect(spliced.actions.first?.triggers == [.receiverBlocked])
        #expect(spliced.changesData)
        #expect(spliced.receiver.ioUringRequests.isEmpty)
        let ring = try ScenarioParser.parse(file + "receiver: {method: io-uring-recv}\n" + expect, path: "r.yaml")
        #expect(ring.receiver.ioUringRequests == [IoUringRing.Request(.receive)])
    }

    @Test func keysOfAnotherMethodAreLocatedErrors() {
        expectParseError(file + "receiver: {method: mmap-receive, pause_after: 4KiB}\n" + expect, line: 4,
                         message: "pause_after is for receiver method read, not mmap-receive")
        expectParseError(file + "receiver: {map_size: 1MiB}\n" + expect, line: 4,
                         message: "map_size is for receiver method mmap-receive, not read")
        expectParseError(file + "receiver: {method: mmap-receive, map_size: 5000}\n" + expect, line: 4,
                         message: "map_size must be whole pages (a multiple of 4096)")
        expectParseError(file + "receiver: {method: recvfile}\n" + expect, line: 4,
                         message: "receiver method 'recvfile' is not one of: read, mmap-receive, splice-to-file, io-uring-recv, io-uring-zcrx")
        expectParseError(file + "sysctls: {net/core/high_order_alloc_disable: \"2\"}\n" + expect, line: 4,
                         message: "net/core/high_order_alloc_disable takes a whole number within 0 ... 1, not '2'")
    }

    @Test func destinationActionsNeedSpliceToFile() {
        expectParseError(file + "actions: [{when: sender.done, do: truncate, to: 0, file: destination}]\n" + expect, line: 4,
                         message: "the action at line 4 changes the destination, which only receiver method splice-to-file writes")
        expectParseError(file + "receiver: {method: splice-to-file}\nactions: [{when: sender.done, do: ftruncate, to: 0, file: destination}]\n" + expect,
                         line: 5, message: "file: destination takes truncate or overwrite")
        expectParseError(file + "receiver: {method: splice-to-file}\nactions: [{when: sender.done, do: resume-receiver, file: destination}]\n" + expect,
                         line: 5, message: "file: destination goes with truncate or overwrite")
    }

    @Test func udpTakesOnlyTheReadLoop() {
        expectParseError("name: r\nfile: {size: 1MiB}\nsender: {method: sendfile, transport: udp}\nreceiver: {method: mmap-receive}\n" + expect,
                         line: 4, message: "a UDP receiver reads datagrams: receiver method mmap-receive takes a TCP stream")
    }
}
