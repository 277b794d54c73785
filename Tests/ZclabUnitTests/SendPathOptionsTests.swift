import Foundation
import Testing
@testable import ZclabCore

@Suite("Send path options")
struct SendPathOptionsTests {
    func scenario(_ sender: String) throws -> Scenario {
        try ScenarioParser.parse("""
            name: options
            file: {size: 1MiB}
            sender: \(sender)
            expect: {wire.matches: true}
            """, path: "options.yaml")
    }

    @Test func eachPathReadsItsOwnKeysIntoItsOwnType() throws {
        let mapped = try #require(try scenario("{method: mmap-write, mapping: private, map_window: 8KiB}").workload.sender)
        #expect(mapped.options as? MappingOptions == {
            var options = MappingOptions()
            options.sharing = .private
            options.window = 8192
            return options
        }())
        let piped = try #require(try scenario("{method: vmsplice, pipe_size: 1MiB, rewrite_after_send: 4KiB}").workload.sender)
        #expect((piped.options as? VmspliceOptions)?.pipeSize == 1 << 20)
        #expect(piped.options.rewriteAfterSend == 4096)
        let plain = try #require(try scenario("{method: read-write, chunk: 4KiB}").workload.sender)
        #expect(plain.options is NoOptions)
        #expect(plain.chunk == 4096)
    }

    @Test(arguments: [
        ("{method: read-write, pipe_size: 1MiB}", "pipe_size is for method splice, vmsplice, not read-write"),
        ("{method: sendfile, rewrite_after_send: 4KiB}", "rewrite_after_send is for method vmsplice, sendmsg-zerocopy, io-uring-sendmsg-zc, not sendfile"),
        ("{method: splice, mapping: private}", "mapping is for method mmap-write, not splice"),
        ("{method: mmap-write, mapping: both}", "mapping 'both' is not one of: shared, private"),
        ("{method: sendmsg-zerocopy, header: 100, cork: true}", "cork is for method read-write"),
    ])
    func aKeyOfAnotherPathIsALocatedError(sender: String, message: String) {
        #expect {
            try scenario(sender)
        } throws: { error in
            guard let error = error as? ScenarioError else { return false }
            return error.line == 3 && error.message.contains(message)
        }
    }

    @Test func theAgentGetsThePathsOwnTypeBack() throws {
        let spec = try #require(try scenario("""
            {method: msg-zerocopy, chunk: 16KiB, zerocopy: {read_every: 4, memlock: 64KiB}}
            """).workload.sender)
        let decoded = try JSONDecoder().decode(SenderSpec.self, from: try JSONEncoder().encode(spec))
        #expect(decoded.method == .msgZerocopy)
        #expect(decoded.chunk == 16384)
        #expect(decoded.zerocopy == spec.zerocopy)
        #expect(decoded.zerocopy?.readEvery == 4)
        #expect(MsgZerocopyPath.make(decoded) != nil)
        #expect(SendfilePath.make(decoded) == nil)
    }
}
