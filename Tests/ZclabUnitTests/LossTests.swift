import Foundation
import Testing
@testable import ZclabCore

/// `loss:` and `restore-link`: a drop that must end, and only where zclab made the namespaces.
@Suite("Loss")
struct LossTests {
    static let header = "name: t\nfile: {size: 1MiB}\nsender: {method: sendfile}\n"

    @Test func aLossAndItsEndParse() throws {
        let scenario = try ScenarioParser.parse(
            Self.header + "loss: {drop_from: 20}\nactions:\n  - when: sender.blocked\n    do: restore-link\nexpect: {wire.matches: true}\n",
            path: "t.yaml")
        #expect(scenario.loss == LossSpec(dropFrom: 20))
        #expect(scenario.actions.map(\.kind) == [.restoreLink])
        #expect(!scenario.changesData, "ending a drop changes no byte")
    }

    @Test(arguments: [
        ("loss: {drop_from: 20}\nexpect: {wire.matches: true}", 4, "until an action restores the link"),
        ("loss: {drop_from: 0}\nactions:\n  - when: sender.blocked\n    do: restore-link\nexpect: {wire.matches: true}", 4, "drop_from must be within"),
        ("actions:\n  - when: sender.blocked\n    do: restore-link\nexpect: {wire.matches: true}", 5, "ends a loss the scenario does not set up"),
        ("topology: {kind: nic}\nloss: {drop_from: 2}\nactions:\n  - when: wire.bytes\n    bytes: 1KiB\n    do: restore-link\nexpect: {wire.matches: true}",
         5, "not across a NIC"),
    ])
    func whatALossCannotBe(body: String, line: Int, message: String) {
        expectParseError(Self.header + body + "\n", line: line, message: message)
    }
}
