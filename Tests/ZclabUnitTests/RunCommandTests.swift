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
}
