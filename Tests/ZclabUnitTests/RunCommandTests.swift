import Foundation
import Testing
@testable import ZclabCore

/// runCommand keeps a failed command's standard error for the message (in a
/// temporary file unlinked as soon as it is made, so a killed zclab leaves none).
@Suite("Running short commands")
struct RunCommandTests {
    @Test func aFailedCommandSaysWhatItPrinted() throws {
        #expect(try runCommand(["sh", "-c", "echo out; echo err >&2"]) == "out\n")
        do {
            try runCommand(["sh", "-c", "echo oops >&2; exit 3"])
            Issue.record("a command that exits 3 must throw")
        } catch let error as CommandError {
            #expect(error.termination == .exited(3))
            #expect(error.output == "oops\n")
        }
    }

    /// Standard input, written whole: 1 MiB goes through and comes back.
    @Test func inputIsTheCommandsStandardInput() throws {
        let input = Data((0 ..< (1 << 20)).map { UInt8(truncatingIfNeeded: $0 % 251) })
        #expect(try runCommand(["sh", "-c", "wc -c"], input: input).trimmingCharacters(in: .whitespacesAndNewlines) == "1048576")
        #expect(throws: CommandError.self) { try runCommand(["sh", "-c", "cat > /dev/null; exit 4"], input: Data("x".utf8)) }
    }
}
