import Foundation

/// Watches another process through /proc to prove where it is: the syscall it
/// is inside (/proc/PID/syscall), its scheduler state (/proc/PID/stat) and the
/// kernel function it sleeps in (/proc/PID/wchan).
public struct ProcessObserver {
    public let pid: Int32

    public init(pid: Int32) { self.pid = pid }

    /// One look at the process.
    public struct Sample: Equatable, Sendable {
        public var pid: Int32
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
        return Sample(pid: pid, syscall: Int(first), syscallLine: line, state: state, wchan: read("wchan") ?? "")
    }

    /// The process and its descendants (from /proc/PID/task/TID/children), parents first.
    public func family() -> [Int32] {
        var found: [Int32] = [pid]
        var index = 0
        while index < found.count {
            let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(found[index])/task")) ?? []
            for task in tasks {
                let children = (try? String(contentsOfFile: "/proc/\(found[index])/task/\(task)/children", encoding: .utf8)) ?? ""
                found += children.split(separator: " ").compactMap { Int32($0) }
            }
            index += 1
        }
        return found
    }

    /// A look at the first of `root`'s family found asleep inside syscall
    /// `call` (a server's worker, not its master), or nil.
    public static func blockedSample(in root: Int32, call: Int) -> Sample? {
        ProcessObserver(pid: root).family().lazy.compactMap { ProcessObserver(pid: $0).sample() }.first { isBlocked($0, in: call) }
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
