/// A program under test that takes the sender's place: started inside the
/// sender's namespace, reached by a client zclab drives from the receiver's.
public struct ProgramSpec: Sendable, Equatable {
    /// The command line. Placeholders: `{file}` (the test file's path),
    /// `{file_name}`, `{file_dir}`, `{address}` (the program's address),
    /// `{port}`, `{dir}` (the scenario's output folder, for configuration
    /// and logs) and `{scenario_dir}` (the scenario file's folder, for
    /// scripts shipped with it).
    public var command: [String]
    /// Files to write into `{dir}` before starting it (name: text, with the
    /// same placeholders): its configuration.
    public var files: [String: String]
    /// The TCP port it listens on.
    public var port: UInt16
    /// It is ready once a line of its output (standard output or error)
    /// contains this; without it, once its port accepts a connection.
    public var readyLine: String?
    /// Executables that must be installed, or the scenario is skipped saying which.
    public var needs: [String]
    /// The call it blocks in while the client does not read, for the
    /// `sender.blocked` trigger (observed on it and its child processes).
    public var blocksIn: String

    /// `text` with the placeholders filled in.
    public static func expand(_ text: String, _ values: [String: String]) -> String {
        values.reduce(text) { text, pair in text.replacingOccurrences(of: "{\(pair.key)}", with: pair.value) }
    }
}

/// The client zclab drives against a program: it connects (retrying until
/// the program listens), writes a request, and reads the response the way a
/// receiver reads, checking the body against the test file.
public struct ClientSpec: Sendable, Equatable {
    /// Bytes written once connected, with the program's placeholders; `\r\n` as in YAML double quotes.
    public var request: String
    /// The response is HTTP/1.x: its status line and headers come first, and
    /// the body (checked against the file) ends at Content-Length.
    public var http: Bool
    /// After the response, the same request on a new connection: whether the
    /// program survived and still serves.
    public var again: Bool
    /// Seconds without a byte before the client gives up on the response.
    public var idleTimeout: Double
    /// An external client instead of zclab's: a command run in the
    /// receiver's namespace (same placeholders). Its exit status and the
    /// values `record` names are observed; what it sends is not predictable,
    /// so the wire check counts bytes and frames only.
    public var command: [String]?
    /// Values to read from the external client's JSON output: observation
    /// name (as `client.record.NAME`) to a dotted path (`end.sum_received.bytes`).
    public var record: [String: String] = [:]
}
