import CZclabLinux
#if canImport(Glibc)
import Glibc
#endif

/// A file lease the sender takes before it sends, and how it reacts when the
/// lease is broken. Also the ways of asking for a lease that must fail.
public struct LeaseSpec: Codable, Sendable, Equatable {
    public enum Target: String, Codable, Sendable, CaseIterable {
        case file, socket, pipe
        /// The file opened O_WRONLY as its only descriptor, before the sender
        /// opens its own; the lease is asked for there, then released and
        /// the descriptor closed: the transfer goes on without a lease.
        case soleWriteOnly = "sole-write-only"
    }

    public var type: LeaseType
    /// F_SETSIG: the signal for the break ("SIGRTMIN+1"); nil keeps SIGIO.
    public var signal: String?
    /// What the handler does with the lease on the break signal: release
    /// (F_UNLCK), downgrade (F_RDLCK), or nil: nothing, so the breaker waits
    /// out lease-break-time.
    public var onBreak: LeaseType?
    /// Install a handler for the signal; without one its default action applies.
    public var handler: Bool
    /// SA_RESTART on the handler.
    public var restart: Bool
    /// Where the lease is asked for: the file (normal), the socket or a pipe
    /// (must fail), or the file's only descriptor, open O_WRONLY.
    public var target: Target
    /// Take the lease on a descriptor open O_RDWR instead of O_RDONLY.
    public var openForWriting: Bool
    /// Keep a second descriptor of the file open when asking for the lease.
    public var extraDescriptor: Bool
    /// Drop CAP_LEASE first (with a file owned by someone else: must fail).
    public var dropCapLease: Bool
    /// F_SETSIG with this number first, which is no signal (65, -1): the
    /// kernel must refuse it, and the lease then breaks with whatever signal
    /// the descriptor had before (SIGIO unless `signal` follows).
    public var badSignal: Int64?
    /// F_GETSIG on a dup(2) of the lease's descriptor once the lease is
    /// taken: F_SETSIG belongs to the open file description, not the descriptor.
    public var getsigOnDup: Bool
    /// F_SETLEASE F_UNLCK once the transfer is over, long after any break
    /// has been waited out: the kernel has removed the lease by then.
    public var releaseAtEnd: Bool
    /// Another process holds the file open O_WRONLY while the lease is asked
    /// for (a shell with the file on its descriptor 3), and lets go after.
    public var otherWriter: Bool

    enum CodingKeys: String, CodingKey {
        case type, signal, handler, restart, target
        case onBreak = "on_break", openForWriting = "open_for_writing"
        case extraDescriptor = "extra_descriptor", dropCapLease = "drop_cap_lease"
        case badSignal = "bad_signal", getsigOnDup = "getsig_on_dup", releaseAtEnd = "release_at_end", otherWriter = "other_writer"
    }
}

/// What the sender saw of its lease.
public struct LeaseReport: Codable, Sendable, Equatable {
    /// "ok", or the errno name F_SETLEASE failed with.
    public var set: String
    /// F_GETLEASE right after taking it, and after the transfer.
    public var before: LeaseType?
    public var after: LeaseType?
    /// The descriptor the lease was asked for on (to compare with si_fd).
    public var descriptor: Int32
    /// F_GETSIG on a dup of that descriptor: a signal name, "none" for 0
    /// (SIGIO without siginfo), nil when not asked.
    public var signalOnDup: String?
}

extension SenderAgent {
    /// Takes the configured lease for the transfer from `file`, logging each
    /// call; a refused lease is reported, and the transfer goes on without it.
    mutating func takeLease(_ spec: LeaseSpec, file: FileDescriptor, socket: FileDescriptor) throws(Errno) -> (LeaseReport, FileDescriptor) {
        if spec.extraDescriptor {
            let path = config.path
            let extra = try context.log.record("open", "path=\(path) flags=O_RDONLY (a second descriptor)") { () throws(Errno) in
                try FileDescriptor.open(path, .readOnly).rawValue
            }
            context.keptOpen.append(FileDescriptor(rawValue: extra))
        }
        if spec.dropCapLease {
            try context.log.record("capset", "drop CAP_LEASE") { () throws(Errno) in
                try syscall { zcl_drop_capability(28) }
            }
        }
        let target: FileDescriptor
        switch spec.target {
        case .file, .soleWriteOnly: target = file  // the sender asks for a sole-write-only lease before it gets here
        case .socket: target = socket
        case .pipe:
            let pipe = try FileDescriptor.pipe()
            context.keptOpen += [pipe.read, pipe.write]
            target = pipe.read
        }
        if let number = spec.badSignal {
            do {
                try context.log.record("fcntl_setsig", "fd=\(target.rawValue) F_SETSIG \(number) (no signal)") { () throws(Errno) in
                    try target.setNotificationSignal(number: number)
                    return 0
                }
            } catch {}  // logged with its errno, which is the finding; the lease goes on
        }
        var signal = SIGIO
        if let name = spec.signal {
            guard let number = SignalNames.number(name) else { throw Errno(EINVAL) }
            signal = number
            try context.log.record("fcntl_setsig", "fd=\(target.rawValue) F_SETSIG \(name)") { () throws(Errno) in
                try target.setNotificationSignal(number)
                return 0
            }
        }
        if spec.handler {
            try SignalRecorder.install([signal], restart: spec.restart)
            SignalRecorder.onLeaseBreak(signal, descriptor: target, action: spec.onBreak)
        }
        var report = LeaseReport(set: "ok", descriptor: target.rawValue)
        let writer = spec.otherWriter ? try otherWriter() : nil
        defer {
            writer?.kill(SIGKILL)
            writer?.closePipes()
            _ = writer?.wait()
        }
        do {
            try context.log.record("fcntl_setlease", "fd=\(target.rawValue) F_SETLEASE \(spec.type.rawValue)") { () throws(Errno) in
                try target.setLease(spec.type)
                return 0
            }
            report.before = try target.lease()
        } catch {
            report.set = error.name
        }
        if spec.getsigOnDup { report.signalOnDup = try signalOnDuplicate(of: target) }
        return (report, target)
    }

    /// Another process that holds the test file open O_WRONLY (the shell's
    /// descriptor 3) until it is killed; returned once it says it holds it.
    /// It lives at most 60 s, should the sender die before killing it.
    private mutating func otherWriter() throws(Errno) -> ChildProcess {
        let path = config.path
        let child = try ChildProcess(["sh", "-c", "exec 3>>\"$1\" && echo held && exec sleep 60", "sh", path], pipeOutput: true)
        var reader = LineReader(child.output ?? FileDescriptor(rawValue: -1))
        while reader.bufferedLine() == nil {
            guard (try? reader.fill()) == true else { throw Errno(EIO) }
        }
        context.log.append(SyscallStep(
            actor: "sender", call: "other_writer", arguments: "path=\(path) open O_WRONLY|O_APPEND by another process (pid \(child.pid)), held",
            calls: 1, returned: 3, returnMin: nil, returnMax: nil, errno: nil, signal: nil, durationNs: 0))
        return child
    }

    /// dup(2)s `descriptor`, asks the copy for F_GETSIG and closes it.
    private mutating func signalOnDuplicate(of descriptor: FileDescriptor) throws(Errno) -> String {
        let copy = FileDescriptor(rawValue: try context.log.record("dup", "fd=\(descriptor.rawValue)") { () throws(Errno) in
            try descriptor.duplicate().rawValue
        })
        defer { try? copy.close() }
        let number = try context.log.record("fcntl_getsig", "fd=\(copy.rawValue) F_GETSIG (the dup)") { () throws(Errno) in
            Int(try copy.notificationSignal())
        }
        return number == 0 ? "none" : signalName(Int32(number))
    }

    /// Asks for the lease on the file's only open descriptor, O_WRONLY (the
    /// sender's own is not open yet), reads it back, then releases it and
    /// closes the descriptor.
    mutating func leaseOnSoleWriteOnlyDescriptor(_ spec: LeaseSpec) throws(Errno) -> LeaseReport {
        let path = config.path
        let descriptor = FileDescriptor(rawValue: try context.log.record("open", "path=\(path) flags=O_WRONLY (the only descriptor)") {
            () throws(Errno) in try FileDescriptor.open(path, .writeOnly).rawValue
        })
        defer { try? descriptor.close() }
        var report = LeaseReport(set: "ok", descriptor: descriptor.rawValue)
        do {
            try context.log.record("fcntl_setlease", "fd=\(descriptor.rawValue) F_SETLEASE \(spec.type.rawValue)") { () throws(Errno) in
                try descriptor.setLease(spec.type)
                return 0
            }
            report.before = try descriptor.lease()
            try descriptor.setLease(.none)
            report.after = try descriptor.lease()
        } catch {
            report.set = error.name
        }
        return report
    }

    /// F_SETLEASE F_UNLCK after the transfer, logged with whatever it gives.
    mutating func releaseLate(_ descriptor: FileDescriptor) {
        _ = try? context.log.record("fcntl_setlease", "fd=\(descriptor.rawValue) F_SETLEASE F_UNLCK (after the transfer)") { () throws(Errno) in
            try descriptor.setLease(.none)
            return 0
        }
    }
}
