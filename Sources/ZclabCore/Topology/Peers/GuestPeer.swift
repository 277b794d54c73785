import Foundation

/// A guest as the run's second host: booted with virtme-ng inside a `zcl`
/// namespace, its virtio-net device (the guest's virtio_net driver, with
/// real feature negotiation) joined by qemu to a tap in that namespace.
/// This host's agents run there, on the tap; the guest's through ssh, to a
/// dropbear server the guest starts (no server ever runs on this machine).
/// The guest sees this machine's files read-only, so it runs the same zclab.
enum GuestPeer {
    static let ipv4 = PeerLink.Addresses(local: "192.0.2.2", peer: "192.0.2.1")
    static let ipv6 = PeerLink.Addresses(local: "2001:db8::2", peer: "2001:db8::1")
    /// The server the guest runs, from this machine's file system (Debian's dropbear-bin).
    static let dropbear = "/usr/sbin/dropbear"

    /// What this machine lacks to boot the guest peer, or nil.
    public static func unavailability() -> String? {
        var missing = KernelRunner.missingTools()
        if !FileManager.default.isExecutableFile(atPath: dropbear) { missing.append("dropbear (Debian's dropbear-bin)") }
        if !FileManager.default.isExecutableFile(atPath: "/usr/bin/ssh") { missing.append("ssh (Debian's openssh-client)") }
        if !FileManager.default.fileExists(atPath: "/dev/net/tun") { missing.append("/dev/net/tun (CONFIG_TUN)") }
        return missing.isEmpty ? nil : "a virtio-net guest needs \(missing.joined(separator: ", ")): scripts/setup installs the programs"
    }

    /// Boots the guest, KVM first, and waits until its ssh server answers.
    static func boot(_ kernelSpec: KernelSpec?, runner: ScenarioRunner) throws -> PeerLink {
        if (try? String(contentsOfFile: "/proc/cmdline", encoding: .utf8))?.contains("virtme") == true {
            throw SkipScenario(reason: "zclab runs inside a virtme-ng guest (--kernel): it boots no guest within it; run kind nic scenarios on the host, where --guest-kernel picks the guest's kernel")
        }
        if let missing = unavailability() { throw SkipScenario(reason: missing) }
        guard let spec = try kernelSpec ?? DebianArchive.currentKernelPackage().map({ text throws in try KernelSpec.parse(text) }) else {
            throw SkipScenario(reason: "no guest kernel: name one with --guest-kernel (apt-cache finds no linux-image-amd64 here)")
        }
        let kernel = try KernelCache(folder: KernelCache.defaultFolder()).prepare(spec) { runner.report("guest kernel: \($0)") }
        let folder = "\(runner.outputDirectory)/peer"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for path in [folder, kernel.bootPath, runner.executable] {
            if let problem = KernelRunner.pathProblem(path) { throw SkipScenario(reason: "the guest cannot use \(path): \(problem)") }
        }
        let tag = RunNames.tag(of: runner.ledger.runID)
        let namespace = "zcl-\(tag)-nic", tap = "zcl\(tag)n"
        try createTap(tap, in: namespace, ledger: runner.ledger)
        let key = try ClientKey(folder: RunNames.scratchFolder(runID: runner.ledger.runID) + "/ssh", ledger: runner.ledger)
        let script = "\(folder)/guest.sh"
        try guestScript(folder: folder, authorizedKey: key.publicKey).write(toFile: script, atomically: true, encoding: .utf8)

        let route = SSHRoute(
            destination: "root@\(ipv4.peer)", options: key.sshOptions, namespace: namespace, zclab: runner.executable,
            folder: "/tmp/zcl-\(tag)")
        var attempts: [String] = []
        let accelerators: [Accelerator.Kind] = Accelerator.kvmUnavailable() == nil ? [.kvm, .tcg] : [.tcg]
        for accelerator in accelerators {
            try runner.checkSignals()
            runner.report("booting the guest peer (\(kernel.release), \(accelerator.rawValue.uppercased()))")
            for stale in ["interface", "host_key.pub"] { try? FileManager.default.removeItem(atPath: "\(folder)/\(stale)") }
            let machine = try VirtualMachine(
                name: "\(VirtualMachine.namePrefix)\(tag)-nic", kernel: kernel, accelerator: accelerator, writable: folder,
                command: "sh \(script) > \(folder)/guest.log 2>&1", consoleLog: "\(folder)/vng-\(accelerator.rawValue).log",
                ledger: runner.ledger, namespace: namespace,
                options: [
                    "--no-dhcp", "--overlay-rwdir", "/root",
                    "--qemu-opts=-netdev tap,id=zcl,ifname=\(tap),script=no,downscript=no -device virtio-net-pci,netdev=zcl",
                ])
            let started = Date()
            do {
                let interface = try waitUntilReady(machine, folder: folder, key: key, route: route, runner: runner, deadline: accelerator == .kvm ? 30 : 300)
                try route.run(["mkdir", "-p", route.folder])
                let release = (try? route.run(["uname", "-r"]))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? kernel.release
                return PeerLink(
                    localPlace: .namespace(namespace), localInterface: tap, localDriver: "tun", route: route, peerInterface: interface,
                    peerDriver: "virtio_net",
                    ipv4: ipv4, ipv6: ipv6, peerKernel: release,
                    summary: "guest \(release) (\(accelerator.rawValue.uppercased()), ssh up after \(Int(Date().timeIntervalSince(started))) s), virtio_net \(interface) <-> tap \(tap) in \(namespace)")
            } catch let failure as ScenarioFailure {
                machine.stop()
                attempts.append("\(accelerator.rawValue.uppercased()): \(failure)")
            }
        }
        throw SkipScenario(reason: "the guest peer did not come up: \(attempts.joined(separator: "; ")) (\(folder)/vng-*.log, guest.log)")
    }

    /// The namespace and its tap, with this host's addresses, recorded in the ledger first.
    private static func createTap(_ tap: String, in namespace: String, ledger: ResourceLedger) throws {
        ledger.add(.namespace(namespace))
        try runCommand(["ip", "netns", "add", namespace])
        do {
            try runCommand(["ip", "netns", "exec", namespace, "ip", "tuntap", "add", "dev", tap, "mode", "tap"])
        } catch let error as CommandError {
            throw SkipScenario(reason: "no tap device here (CONFIG_TUN, /dev/net/tun): \(error)")
        }
        try Topology.ip(namespace, ["link", "set", "lo", "up"])
        try Topology.ip(namespace, ["address", "add", "\(ipv4.local)/24", "dev", tap])
        try Topology.ip(namespace, ["address", "add", "\(ipv6.local)/64", "dev", tap, "nodad"])
        try Topology.ip(namespace, ["link", "set", tap, "up"])
    }

    /// Waits for the guest's script to name its virtio_net interface and
    /// publish its host key, then for its ssh server to answer; returns the interface.
    private static func waitUntilReady(
        _ machine: VirtualMachine, folder: String, key: ClientKey, route: SSHRoute, runner: ScenarioRunner, deadline: Double
    ) throws -> String {
        let started = Date()
        while Date().timeIntervalSince(started) < deadline {
            try runner.checkSignals()
            if let ended = machine.poll() { throw ScenarioFailure("vng \(ended) before the guest was ready") }
            let interface = (try? String(contentsOfFile: "\(folder)/interface", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            if let interface, !interface.isEmpty, let hostKey = try? String(contentsOfFile: "\(folder)/host_key.pub", encoding: .utf8),
                hostKey.hasPrefix("ssh-")
            {
                try key.trust(hostKey.trimmingCharacters(in: .whitespacesAndNewlines), for: [ipv4.peer, ipv6.peer])
                if (try? route.run(["true"])) != nil { return interface }
            }
            usleep(500_000)
        }
        throw ScenarioFailure("no ssh answer from the guest within \(Int(deadline)) s")
    }

    /// What the guest runs: its virtio_net interface found and addressed,
    /// root's key trusted and shell start-up files emptied (only in the
    /// guest's overlay of /root: a slow .bashrc costs seconds a command
    /// under TCG), a host key made and published, then the ssh server.
    static func guestScript(folder: String, authorizedKey: String) -> String {
        """
        set -e
        for device in /sys/class/net/*; do
            driver=$(readlink "$device/device/driver" || true)
            if [ "${driver##*/}" = virtio_net ]; then interface=${device##*/}; fi
        done
        [ -n "$interface" ] || { echo "no virtio_net interface"; ip -o link; exit 1; }
        ip link set lo up
        ip address add \(ipv4.peer)/24 dev "$interface"
        ip address add \(ipv6.peer)/64 dev "$interface" nodad
        ip link set "$interface" up
        mkdir -p /root/.ssh && chmod 700 /root/.ssh
        echo \(shellQuoted(authorizedKey)) > /root/.ssh/authorized_keys && chmod 600 /root/.ssh/authorized_keys
        : > /root/.bashrc; : > /root/.profile
        dropbearkey -t ed25519 -f /tmp/zcl-host-key > /dev/null
        dropbearkey -y -f /tmp/zcl-host-key | grep '^ssh-' > \(folder)/host_key.pub
        echo "$interface" > \(folder)/interface
        exec \(dropbear) -F -E -s -r /tmp/zcl-host-key -p 22 -P /tmp/zcl-dropbear.pid
        """
    }
}

/// The run's own ssh key pair and known-hosts file, in its scratch folder
/// (removed with the run), so that a guest is reached without a password
/// and only with its own host key.
struct ClientKey {
    let privateKey: String
    let publicKey: String
    let knownHosts: String

    /// Makes the key pair in `folder`, the scratch folder recorded in the ledger first.
    init(folder: String, ledger: ResourceLedger) throws {
        let scratch = (folder as NSString).deletingLastPathComponent
        if !FileManager.default.fileExists(atPath: scratch) { ledger.add(.directory(scratch)) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        privateKey = "\(folder)/id_ed25519"
        knownHosts = "\(folder)/known_hosts"
        try? FileManager.default.removeItem(atPath: privateKey)
        try? FileManager.default.removeItem(atPath: privateKey + ".pub")
        try runCommand(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "zclab", "-f", privateKey])
        publicKey = try String(contentsOfFile: privateKey + ".pub", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Trusts `hostKey` (`ssh-ed25519 AAAA...`) for `hosts`, and nothing else.
    func trust(_ hostKey: String, for hosts: [String]) throws {
        try hosts.map { "\($0) \(hostKey)\n" }.joined().write(toFile: knownHosts, atomically: true, encoding: .utf8)
    }

    /// ssh options that use this key and accept only the trusted host key.
    var sshOptions: [String] {
        ["IdentityFile=\(privateKey)", "IdentitiesOnly=yes", "UserKnownHostsFile=\(knownHosts)", "StrictHostKeyChecking=yes"]
    }
}
