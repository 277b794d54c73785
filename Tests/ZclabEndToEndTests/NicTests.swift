import Foundation
import Testing
import ZclabCore

/// Scenarios across a real NIC driver: the guest's virtio_net to a tap on
/// this host, and two-host mode with that guest as the ssh peer.
extension EndToEnd {
    @Suite("Across a NIC", .enabled(if: nicBlocker() == nil, "\(nicBlocker() ?? "")"))
    struct NicTests {
        /// The guest kernel the kernel tests fetch already: no second download.
        static let guestKernel = KernelVMTests.package

        @Test(.timeLimit(.minutes(4)))
        func scenariosCrossTheGuestsVirtioNetAndNothingIsLeft() throws {
            let out = temporaryFolder()
            defer { try? FileManager.default.removeItem(atPath: out) }
            let names = ["msg-zerocopy-from-peer", "msg-zerocopy-to-peer", "io-uring-send-zc-from-peer", "offload-tso-off-from-peer"]
            let result = try run([zclabExecutable(), "run", "--guest-kernel", Self.guestKernel, "--out", out]
                + names.map { packageRoot() + "/scenarios/nic/\($0).yaml" })
            #expect(result.status == 0, "\(result.output)\n\(result.error)")
            let report = try ReportFile.load(out + "/report.json")
            #expect(report.scenarios.map(\.name).sorted() == names.sorted())
            #expect(report.scenarios.allSatisfy { $0.verdict == .pass }, "\(report.scenarios.map { "\($0.name): \($0.verdict) \($0.reason)" })")
            let rows = OffloadMatrix(report).rows
            #expect(rows.contains { $0.setting.contains("virtio_net -> tun (from-peer)") }, "\(rows.map(\.setting))")
            #expect(rows.contains { $0.setting.contains("tun -> virtio_net (to-peer)") }, "\(rows.map(\.setting))")
            // The headline: from the guest through virtio_net the pages go as they are; through the tap they are copied.
            let fromPeer = try #require(report.scenarios.first { $0.name == "msg-zerocopy-from-peer" })
            #expect(fromPeer.observations["zerocopy.copied_notifications"] == .number(0))
            let toPeer = try #require(report.scenarios.first { $0.name == "msg-zerocopy-to-peer" })
            #expect(toPeer.observations["zerocopy.zerocopy_notifications"] == .number(0))
            #expect(try leftovers(ofRunIn: out).isEmpty)
            #expect(guestProcesses(named: "zcl-vm-\(RunNames.tag(of: report.runID))").isEmpty)
        }

        @Test(.timeLimit(.minutes(4)))
        func twoHostModeAgainstTheGuestOverSSH() throws {
            let out = temporaryFolder()
            defer { try? FileManager.default.removeItem(atPath: out) }
            let guest = try ChildProcess(
                [zclabExecutable(), "guest", "--guest-kernel", Self.guestKernel, "--out", out + "/guest"],
                outputPath: out + ".guest.out", errorPath: out + ".guest.err")
            defer { try? FileManager.default.removeItem(atPath: out + ".guest.out"); try? FileManager.default.removeItem(atPath: out + ".guest.err") }
            var ready: String?
            while guest.poll() == nil && ready == nil {
                usleep(200_000)
                ready = ((try? String(contentsOfFile: out + ".guest.out", encoding: .utf8)) ?? "").split(separator: "\n")
                    .first { $0.hasPrefix("ready: ") }.map { String($0.dropFirst("ready: ".count)) }
            }
            let command = try #require(ready, "zclab guest: \((try? String(contentsOfFile: out + ".guest.err", encoding: .utf8)) ?? "")")
            let arguments = command.split(separator: " ").map(String.init)
            let namespace = try #require(arguments.dropFirst(3).first)  // ip netns exec NAMESPACE ...
            let tag = namespace.split(separator: "-")[1]

            let names = ["msg-zerocopy-from-peer", "offload-tso-off-to-peer"]
            let result = try run(arguments + ["--out", out + "/run"] + names.map { packageRoot() + "/scenarios/nic/\($0).yaml" })
            #expect(result.status == 0, "\(result.output)\n\(result.error)")
            #expect(result.error.contains("two-host mode: 2 NIC scenario(s)"), "what it will change is said first: \(result.error)")
            let report = try ReportFile.load(out + "/run/report.json")
            #expect(report.scenarios.allSatisfy { $0.verdict == .pass }, "\(report.scenarios.map { "\($0.name): \($0.verdict) \($0.reason)" })")
            let changed = report.scenarios.first { $0.name == "offload-tso-off-to-peer" }?.observations["features.restored"]
            #expect(changed == .flag(true))
            // The peer's folder went with the run; the guest's own stays until the guest goes.
            let peerFolders = try run(Array(arguments.prefix(4)) + ["ssh"] + sshArguments(command) + ["ls /tmp"]).output
            #expect(!peerFolders.contains("zcl-\(RunNames.tag(of: report.runID))"), "\(peerFolders)")

            guest.kill(SIGINT)
            #expect(guest.wait() == .exited(130))
            #expect(try zclResources().filter { $0.contains(tag) }.isEmpty)
            #expect(guestProcesses(named: "zcl-vm-\(tag)").isEmpty)
            #expect(try leftovers(ofRunIn: out + "/run").isEmpty)
        }

        @Test(.timeLimit(.minutes(2)))
        func ctrlCAndZclabCleanRemoveTheGuestAndItsNamespace() throws {
            let out = temporaryFolder()
            defer { try? FileManager.default.removeItem(atPath: out) }
            for signal in [SIGINT, SIGKILL] {
                let result = try run(
                    [zclabExecutable(), "run", "--guest-kernel", Self.guestKernel, "--out", out, packageRoot() + "/scenarios/nic/sendfile-from-peer.yaml"],
                    interruptAfter: ({ guestProcesses(named: "zcl-vm-").contains { $0.contains("qemu") && $0.contains("-nic") } }, signal))
                #expect(result.status == 128 + signal, "\(result.output)\n\(result.error)")
                if signal == SIGKILL {
                    let clean = try run([zclabExecutable(), "clean"])
                    #expect(clean.status == 0, "\(clean.output)\(clean.error)")
                }
                #expect(try zclResources().filter { $0.hasSuffix("-nic") }.isEmpty)
                #expect(guestProcesses(named: "zcl-vm-").filter { $0.contains("-nic") }.isEmpty)
            }
        }
    }
}

/// The ssh options of a `zclab guest` ready line, as ssh's own arguments to the peer.
private func sshArguments(_ command: String) -> [String] {
    let words = command.split(separator: " ").map(String.init)
    let options = zip(words, words.dropFirst()).filter { $0.0 == "--ssh-option" }.flatMap { ["-o", $0.1] }
    return options + ["-o", "BatchMode=yes", "root@192.0.2.1", "--"]
}

/// A folder name in the temporary folder, not yet created.
private func temporaryFolder() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("zcl-e2e-\(UUID().uuidString)").path
}

/// Why the NIC tests cannot run here, or nil.
func nicBlocker() -> String? {
    if let blocker = kernelVMBlocker() { return blocker }
    for tool in ["/usr/sbin/dropbear", "/usr/bin/ssh"] where !FileManager.default.isExecutableFile(atPath: tool) {
        return "\(tool) is not installed: scripts/setup installs dropbear-bin and openssh-client"
    }
    return nil
}
