import CZclabFuzz
import Foundation

// libFuzzer's own main is not used: SwiftPM gives the executable this one,
// which hands the command line (corpus folders, -runs=, -max_total_time=, ...)
// to libFuzzer's driver.
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(zcl_fuzz_run(&argc, &argv) { data, size in fuzzOneInput(data, size) })
