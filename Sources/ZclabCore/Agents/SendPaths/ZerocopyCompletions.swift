#if canImport(Glibc)
import Glibc
#endif

/// The MSG_ZEROCOPY completions a sender has read from its socket's error
/// queue, in order, for the paths that send with MSG_ZEROCOPY.
struct ZerocopyCompletions {
    private(set) var notifications: [ZerocopyNotification] = []

    /// Reads every completion waiting on the error queue, or only the next one.
    mutating func drain(_ socket: FileDescriptor, all: Bool = true) throws(Errno) {
        while let notification = try socket.nextZerocopyNotification() {
            notifications.append(notification)
            if !all { return }
        }
    }

    /// Waits until the error queue is readable (POLLERR) or `milliseconds`
    /// passed, then drains it.
    mutating func wait(on socket: FileDescriptor, milliseconds: Int32) throws(Errno) {
        var descriptor = pollfd(fd: socket.rawValue, events: 0, revents: 0)
        _ = Glibc.poll(&descriptor, 1, milliseconds)
        try drain(socket)
    }

    /// Makes one MSG_ZEROCOPY call and returns what it sent, or nil when it
    /// is to be made again: after EINTR (a server calls again), or ENOBUFS
    /// (no optmem left for completions) once some completions were read.
    mutating func attempt(on socket: FileDescriptor, _ call: () throws(Errno) -> Int) throws(Errno) -> Int? {
        do {
            return try call()
        } catch .interrupted {
            return nil
        } catch let error where error == Errno(ENOBUFS) {
            try wait(on: socket, milliseconds: 100)
            return nil
        }
    }

    /// Waits until the completions cover `sends` ids, at most `nanoseconds`.
    mutating func awaitAll(_ sends: UInt32, on socket: FileDescriptor, nanoseconds: UInt64) throws(Errno) {
        let deadline = monotonicNanoseconds() + nanoseconds
        while coveredIDs < UInt64(sends) && monotonicNanoseconds() < deadline {
            try wait(on: socket, milliseconds: 100)
        }
    }

    /// How many send ids the completions so far cover.
    var coveredIDs: UInt64 {
        notifications.reduce(0) { $0 + UInt64($1.hi &- $1.lo) + 1 }
    }
}
