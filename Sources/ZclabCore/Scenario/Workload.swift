/// What a scenario runs, each kind with exactly what it needs: so a copy
/// with a sender, or a program without its client, cannot be built.
public enum Workload: Sendable {
    /// zclab's sender sends the test file to zclab's receiver over the network.
    case transfer(SenderSpec)
    /// A program under test sends in the sender's place, asked by a client.
    case program(ProgramSpec, ClientSpec)
    /// A file-to-file copy in the kernel, without a network.
    case copy(CopySpec)
    /// Steps on a pipe and the test file, read-only, without a network:
    /// the Dirty Pipe class of hazards.
    case pipe(PipeSpec)
    /// A MSG_ZEROCOPY transfer the reference model alone runs: what no kernel
    /// run reaches in a test's time (ids near 2^32). The sender says what the
    /// model reads (method, chunk, zerocopy options); always marked simulated.
    case simulation(Simulation, SenderSpec)

    /// The zclab sender of a transfer or a simulation; nil for a program, a copy or a pipe.
    public var sender: SenderSpec? {
        switch self {
        case .transfer(let sender), .simulation(_, let sender): sender
        case .program, .copy, .pipe: nil
        }
    }
}

/// A file-to-file copy in the kernel, instead of a transfer over the network.
public struct CopySpec: Sendable {
    public enum Destination: String, Sendable, CaseIterable {
        /// /dev/shm, the test file's own filesystem.
        case tmpfs
        /// /var/tmp, on the disk.
        case disk
    }
    public var method: CopyMethod
    public var destination: Destination
    public var chunk: UInt64?

    /// The folder the copy goes to for a run.
    public func folder(runID: String) -> String {
        RunNames.scratchFolder(runID: runID, onDisk: destination == .disk)
    }
}

/// The model-only part of a simulated scenario.
public struct Simulation: Sendable, Equatable {
    /// The socket's first MSG_ZEROCOPY id (sk_zckey), e.g. 2^32 - 16.
    public var firstID: UInt32
    /// Sends of a whole-file transfer, instead of the file's size / chunk.
    public var sends: Int?
}
