#if canImport(Glibc)
import Glibc
#endif

/// The whole machine's CPU time from /proc/stat's "cpu" line (all CPUs, in
/// USER_HZ ticks): on a small machine much of the network stack's work runs
/// in softirq and is charged to no process, so a transfer's cost is only
/// whole when counted here too.
struct MachineCPU {
    /// user + nice + system + irq + softirq + steal, in seconds.
    let busySeconds: Double
    let softirqSeconds: Double

    /// Now, or nil when /proc/stat cannot be read.
    static func now() -> MachineCPU? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") })
        else { return nil }
        let ticks = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard ticks.count >= 8 else { return nil }
        let hertz = Double(sysconf(Int32(_SC_CLK_TCK)))
        // user nice system idle iowait irq softirq steal
        let busy = ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6] + ticks[7]
        return MachineCPU(busySeconds: busy / hertz, softirqSeconds: ticks[6] / hertz)
    }

    /// What the machine spent between `earlier` and this.
    func since(_ earlier: MachineCPU) -> MachineCPU {
        MachineCPU(busySeconds: busySeconds - earlier.busySeconds, softirqSeconds: softirqSeconds - earlier.softirqSeconds)
    }
}
