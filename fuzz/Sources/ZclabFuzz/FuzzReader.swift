import CZclabFuzz
import Foundation
import ZclabCore

/// One input from libFuzzer, handed to the reader that ZCLAB_FUZZ_READER
/// names (scenario or capture). A reader may reject the input with an
/// error, which is its job; a crash, a hang or memory past libFuzzer's
/// -rss_limit_mb is a bug. See docs/fuzzing.md. Exported under libFuzzer's
/// name for it, which its library refers to.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = UnsafeBufferPointer(start: size > 0 ? data : nil, count: size)
    switch FuzzReader.selected {
    case .scenario: FuzzReader.readScenario(bytes)
    case .capture: FuzzReader.readCapture(bytes)
    }
    return 0
}

enum FuzzReader {
    case scenario
    case capture

    static let selected: FuzzReader = {
        switch ProcessInfo.processInfo.environment["ZCLAB_FUZZ_READER"] {
        case "capture": return .capture
        case "scenario": return .scenario
        default:
            FileHandle.standardError.write(Data("set ZCLAB_FUZZ_READER to scenario or capture\n".utf8))
            exit(2)
        }
    }()

    /// The scenario reader as `zclab check` and `zclab list` use it, and the
    /// derived values the runner reads first (expected stream, sent ranges).
    static func readScenario(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let scenario = try? ScenarioParser.parse(String(decoding: bytes, as: UTF8.self), path: "fuzz.yaml") else { return }
        _ = scenario.expectedStream.count
        _ = scenario.sentRanges
        _ = scenario.tags.joined(separator: ", ")
    }

    /// Where the capture reader's input is written (PcapFile maps a file):
    /// an anonymous file, rewritten for each input.
    static let captureFile: Int32 = {
        let descriptor = zcl_fuzz_memfd()
        guard descriptor >= 0 else {
            FileHandle.standardError.write(Data("memfd_create: \(String(cString: strerror(errno)))\n".utf8))
            exit(2)
        }
        return descriptor
    }()

    /// The capture reader as `zclab verify` uses it: the file's header and
    /// packets, the flow list, and the stream rebuilt and compared with the
    /// test pattern of the reference captures (256 KiB, seed 42).
    static func readCapture(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard ftruncate(captureFile, 0) == 0, pwrite(captureFile, bytes.baseAddress, bytes.count, 0) == bytes.count else {
            FileHandle.standardError.write(Data("cannot write the capture input: \(String(cString: strerror(errno)))\n".utf8))
            exit(2)
        }
        let path = "/proc/self/fd/\(captureFile)"
        let expected = PatternContent(count: 256 << 10, seed: 42)
        _ = try? WireVerifier.flows(inCapture: path)
        _ = try? WireVerifier.verify(capture: path, flow: .busiest, expected: expected)
        _ = try? WireVerifier.verify(capture: path, flow: .port(5001), expected: expected, startOffset: 1000, sampled: true)
    }
}
