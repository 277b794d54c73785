import Foundation

/// Watches another process through /proc to prove where it is: the syscall it
/// is inside (/proc/PID/syscall), its scheduler state (/proc/PID/stat) and the
/// kernel function it sleeps in (/proc/PID/wchan).
public struct ProcessObserver {
    public let pid: Int32

    public init(pid: Int32) { self.pid = pid }

    /// One look at the process.
    public struct Sample: Equatable, Sendable {
        /// The syscall number it is inside, or nil when it runs in user space.
        public var syscall: Int?
        /// The raw /proc/PID/syscall line (number, arguments, stack and program counters).
        public var syscallLine: String
        /// Scheduler state letter: R running, S sleeping, D disk sleep, ...
        public var state: Character
        public var wchan: String
    }

    public func sample() -> Sample? {
        guard let line = read("syscall"), let stat = read("stat") else { return nil }
        // The state follows the parenthesised command name, which may itself hold spaces.
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let state = stat[stat.index(after: close)...].first { $0 != " " } ?? "?"
        let first = line.split(separator: " ").first.map(String.init) ?? ""
        return Sample(syscall: Int(first), syscallLine: line, state: state, wchan: read("wchan") ?? "")
    }

    /// True when `sample` shows the process asleep inside syscall `number`.
    public static func isBlocked(_ sample: Sample, in number: Int) -> Bool {
        sample.syscall == number && (sample.state == "S" || sample.state == "D")
    }

    private func read(_ name: String) -> String? {
        (try? String(contentsOfFile: "/proc/\(pid)/\(name)", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Syscall numbers of the calls a sender can block in, for this architecture.
public enum SyscallNumbers {
    public static func number(of call: String) -> Int? {
        #if arch(x86_64)
        let table = ["read": 0, "write": 1, "sendfile": 40, "sendto": 44, "sendmsg": 46, "splice": 275, "writev": 20, "io_uring_enter": 426]
        #elseif arch(arm64)
        let table = ["read": 63, "write": 64, "sendfile": 71, "sendto": 206, "sendmsg": 211, "splice": 76, "writev": 66, "io_uring_enter": 426]
        #else
        let table: [String: Int] = [:]
        #endif
        return table[call]
    }
}
