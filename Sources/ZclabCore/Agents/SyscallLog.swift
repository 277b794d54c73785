#if canImport(Glibc)
import Glibc
#endif

/// Monotonic clock in nanoseconds (clock_gettime(CLOCK_MONOTONIC)).
public func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

/// The syscalls an actor made, with consecutive calls of the same kind and
/// outcome merged into one step, so that a loop of 16 384 writes is one line
/// with its count, total and extremes, and every change of outcome stands out.
public struct SyscallLog {
    public let actor: String
    public private(set) var steps: [SyscallStep] = []
    /// Index of the step that each call name is currently adding to.
    private var openStep: [String: Int] = [:]

    public init(actor: String) { self.actor = actor }

    /// Times `body`, a wrapped syscall, and records its result or errno.
    @discardableResult
    public mutating func record<T: BinaryInteger>(
        _ call: String, _ arguments: @autoclosure () -> String, _ body: () throws(Errno) -> T
    ) throws(Errno) -> T {
        try record(call, arguments(), returnValue: { Int64($0) }, body)
    }

    /// Times `body` and records `returnValue` of its result, or its errno.
    @discardableResult
    public mutating func record<T>(
        _ call: String, _ arguments: @autoclosure () -> String,
        returnValue: (T) -> Int64, _ body: () throws(Errno) -> T
    ) throws(Errno) -> T {
        let start = monotonicNanoseconds()
        do {
            let result = try body()
            add(call, arguments(), returned: returnValue(result), errno: nil, duration: monotonicNanoseconds() - start)
            return result
        } catch {
            add(call, arguments(), returned: nil, errno: error.name, duration: monotonicNanoseconds() - start)
            throw error
        }
    }

    /// Adds a step that is not a wrapped call (e.g. a user-space memory access).
    public mutating func append(_ step: SyscallStep) {
        openStep[step.call] = nil
        steps.append(step)
    }

    private mutating func add(_ call: String, _ arguments: String, returned: Int64?, errno: String?, duration: UInt64) {
        if let index = openStep[call], steps[index].errno == errno, (steps[index].returned == nil) == (returned == nil) {
            steps[index].calls += 1
            steps[index].durationNs += duration
            if let returned {
                steps[index].returned! += returned
                steps[index].returnMin = min(steps[index].returnMin!, returned)
                steps[index].returnMax = max(steps[index].returnMax!, returned)
            }
            return
        }
        openStep[call] = steps.count
        steps.append(SyscallStep(
            actor: actor, call: call, arguments: arguments, calls: 1, returned: returned,
            returnMin: returned, returnMax: returned, errno: errno, signal: nil, durationNs: duration))
    }
}
