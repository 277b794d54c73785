import CZclabLinux
import Foundation

/// The agent's end of its pipes to the runner: events out on standard output,
/// the configuration and commands in on standard input, a JSON object a line.
public struct AgentChannel {
    private let output = FileDescriptor(rawValue: 1)
    private var input = LineReader(FileDescriptor(rawValue: 0))
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    public init() {}

    /// Asks the kernel to kill this agent when the runner (its parent) dies
    /// (prctl PR_SET_PDEATHSIG); false if the runner is already gone.
    public static func dieWithRunner() -> Bool { zcl_die_with_parent() == 0 }

    /// Writes one event line. A runner that went away ends the agent.
    public func send(_ event: AgentEvent) {
        var event = event
        switch event {
        case .connected:
            ProcessCPU.atConnected = ProcessCPU.seconds()
        case .done(var outcome):
            outcome.peakRSSKiB = ResourceUse.peakRSSKiBOfThisProcess()
            outcome.cpuSeconds = ProcessCPU.atConnected.map { ProcessCPU.seconds() - $0 }
            event = .done(outcome)
        default:
            break
        }
        guard var data = try? encoder.encode(event) else { return }
        data.append(0x0A)
        do {
            try data.withUnsafeBytes { try output.writeAll($0) }
        } catch {
            exit(3)
        }
    }

    /// Reports a failure and ends the agent with status 1.
    public func fail(_ message: String) -> Never {
        send(.failed(message: message))
        exit(1)
    }

    /// Reads the next line from the runner and decodes it; nil at end of input.
    public mutating func receive<Message: Decodable>(_ type: Message.Type) throws -> Message? {
        guard let line = try input.nextLine() else { return nil }
        return try JSONDecoder().decode(Message.self, from: Data(line.utf8))
    }
}

/// Splits what a descriptor delivers into lines, without Foundation streams.
public struct LineReader {
    public let descriptor: FileDescriptor
    private var buffer: [UInt8] = []
    private var start = 0
    public private(set) var reachedEnd = false

    public init(_ descriptor: FileDescriptor) { self.descriptor = descriptor }

    /// The next complete line already buffered, without reading.
    public mutating func bufferedLine() -> String? {
        guard let newline = buffer[start...].firstIndex(of: 0x0A) else { return nil }
        let line = String(decoding: buffer[start..<newline], as: UTF8.self)
        start = newline + 1
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        return line
    }

    /// Reads once (blocking) and buffers what came; false at end of file.
    public mutating func fill() throws(Errno) -> Bool {
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 8)
        defer { chunk.deallocate() }
        let count = try descriptor.read(into: chunk)
        if count == 0 {
            reachedEnd = true
            return false
        }
        buffer.append(contentsOf: chunk[0..<count])
        return true
    }

    /// The next line, reading as needed; nil at end of file.
    public mutating func nextLine() throws(Errno) -> String? {
        while true {
            if let line = bufferedLine() { return line }
            if reachedEnd { return nil }
            if try !fill() { return nil }
        }
    }
}

/// This process's CPU time, for the transfer's share of it.
enum ProcessCPU {
    /// The CPU time when the agent reported `connected` (an agent is one process, one transfer).
    nonisolated(unsafe) static var atConnected: Double?

    /// User and system CPU seconds so far (getrusage RUSAGE_SELF).
    static func seconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}
