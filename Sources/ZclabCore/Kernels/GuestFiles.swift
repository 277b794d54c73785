import Foundation

/// The files a guest writes into its folder besides zclab's report.
struct GuestFiles {
    let folder: String
    /// Written when the guest starts zclab: seconds since the guest booted.
    var started: String { "\(folder)/guest-started" }
    /// zclab's standard output and error inside the guest.
    var log: String { "\(folder)/guest.log" }
    var exitStatus: String { "\(folder)/guest-exit-status" }

    /// The guest's uptime when it started zclab: its own boot, without
    /// vng's preparations (the initramfs) and qemu's start.
    var uptimeAtStart: Double? {
        (try? String(contentsOfFile: started, encoding: .utf8)).flatMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// Removes what an earlier boot (a failed KVM attempt) left.
    func clear() {
        for file in [started, log, exitStatus] { try? FileManager.default.removeItem(atPath: file) }
    }
}
