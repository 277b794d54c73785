import Foundation
import Testing
import ZclabCore

/// `zclab run --kernel`: Debian 12's 6.1 kernel package fetched, unpacked,
/// booted with virtme-ng (TCG where KVM fails) and one scenario run inside.
extension EndToEnd {
    @Suite("zclab run --kernel", .enabled(if: kernelVMBlocker() == nil, "\(kernelVMBlocker() ?? "")"))
    struct KernelVMTests {
        static let package = "linux-image-6.1.0-47-amd64-unsigned"
        /// Small and quick under TCG (about 6 s; the boot takes 20-35 s).
        static let scenario = "/scenarios/zerocopy/msg-zerocopy-ids-sizes.yaml"

        @Test(.timeLimit(.minutes(3)))
        func aScenarioRunsInsideDebian12sKernelAndNothingIsLeft() throws {
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("zcl-e2e-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: out) }
            let result = try run([
                zclabExecutable(), "run", "--kernel", Self.package, packageRoot() + Self.scenario, "--out", out,
            ])
            #expect(result.status == 0, "zclab run --kernel: \(result.output)\n\(result.error)")
            let folders = (try? FileManager.default.contentsOfDirectory(atPath: out + "/kernels")) ?? []
            #expect(folders.count == 1 && folders[0].hasPrefix("6.1."), "\(folders)")
            guard let release = folders.first else { return }
            let folder = "\(out)/kernels/\(release)"

            let report = try ReportFile.load(folder + "/report.json")
            #expect(report.environment.kernelRelease == release, "the guest's fingerprint names \(report.environment.kernelRelease)")
            #expect(report.scenarios.map(\.name) == ["msg-zerocopy-ids-sizes"])
            #expect(report.scenarios.allSatisfy { $0.verdict == .pass }, "\(report.scenarios.map { "\($0.name): \($0.reason)" })")
            #expect(result.output.contains("[\(release)] PASS    msg-zerocopy-ids-sizes"), "the guest's progress is relayed: \(result.output)")
            #expect(result.output.contains("\(release): 1 passed"), "\(result.output)")

            let record = try JSONDecoder().decode(KernelOutcome.Record.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/vm.json")))
            #expect(record.accelerator != nil && record.bootSeconds != nil, "\(record)")
            #expect(result.error.contains("booting with \(record.accelerator?.label ?? "?")"), "\(result.error)")
            #expect(try kernelRunLeftovers(runID: record.runID).isEmpty)
        }

        @Test(.timeLimit(.minutes(2)))
        func ctrlCKillsTheGuest() throws {
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("zcl-e2e-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: out) }
            let result = try runStoppedOnceQemuRuns(out: out, signal: SIGINT)
            #expect(result.status == 130, "\(result.output)\n\(result.error)")
            let records = ((try? FileManager.default.contentsOfDirectory(atPath: out + "/kernels")) ?? []).compactMap {
                try? JSONDecoder().decode(KernelOutcome.Record.self, from: Data(contentsOf: URL(fileURLWithPath: "\(out)/kernels/\($0)/vm.json")))
            }
            #expect(records.count == 1)
            for record in records {
                #expect(record.problem?.contains("interrupted by SIGINT") == true, "\(record)")
                #expect(try kernelRunLeftovers(runID: record.runID).isEmpty)
            }
        }

        @Test(.timeLimit(.minutes(2)))
        func zclabCleanKillsTheGuestOfAKilledRun() throws {
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("zcl-e2e-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: out) }
            let killed = try runStoppedOnceQemuRuns(out: out, signal: SIGKILL)
            #expect(killed.status == 128 + SIGKILL)
            // The guest outlives zclab (it is in its own process group), named by the run's tag.
            let tags = Set(guestProcesses(named: "zcl-vm-").compactMap { line in
                line.split(separator: " ").first { $0.hasPrefix("zcl-vm-") }.map { String($0.split(separator: "-")[2]) }
            })
            #expect(!tags.isEmpty, "SIGKILL should have left the guest running")
            let clean = try run([zclabExecutable(), "clean"])
            #expect(clean.status == 0, "\(clean.output)\(clean.error)")
            #expect(clean.output.contains("virtualMachine"), "\(clean.output)")
            for tag in tags {
                #expect(guestProcesses(named: "zcl-vm-\(tag)").isEmpty, "zcl-vm-\(tag) still runs after zclab clean")
            }
        }

        /// The test's run, sent `signal` as soon as qemu runs.
        func runStoppedOnceQemuRuns(out: String, signal: Int32) throws -> CommandResult {
            try run(
                [zclabExecutable(), "run", "--kernel", Self.package, packageRoot() + Self.scenario, "--out", out],
                interruptAfter: ({ guestProcesses(named: "zcl-vm-").contains { $0.contains("qemu") } }, signal))
        }
    }
}

/// Why the kernel tests cannot run here, or nil.
func kernelVMBlocker() -> String? {
    for tool in ["vng", "qemu-system-x86_64", "depmod"] where (try? run(["sh", "-c", "command -v \(tool)"]))?.status != 0 {
        return "\(tool) is not installed: scripts/setup installs qemu-system-x86, kmod and virtme-ng"
    }
    return nil
}

/// The command lines of processes that mention `name`.
func guestProcesses(named name: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { entry in
        guard Int32(entry) != nil, let line = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { return nil }
        let text = String(decoding: line.map { $0 == 0 ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
        return text.contains(name) ? text : nil
    }
}

/// What a `--kernel` run left: its guests' processes and its ledger.
func kernelRunLeftovers(runID: String) throws -> [String] {
    var left = guestProcesses(named: "zcl-vm-\(RunNames.tag(of: runID))").map { "process \($0.prefix(120))" }
    let ledger = "\(ResourceLedger.directory)/\(runID).json"
    if FileManager.default.fileExists(atPath: ledger) { left.append(ledger) }
    return left
}
