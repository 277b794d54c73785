extension WireVerifier {
    /// Checks, byte for byte, the UDP datagrams a capture shows going to
    /// `port`: each one (its IP fragments put back together) is placed in the
    /// expected stream by its own bytes (`DatagramStream`), so a datagram lost
    /// on the way is a gap, not a shifted stream. `expected` is `pieces` of
    /// the file one after another (nil: the whole file).
    public static func verifyDatagrams(
        capture path: String, port: UInt16, expected: any ExpectedContent, pieces: [ByteRange]?,
        checkpoint: () throws -> Void = {}
    ) throws -> WireVerdict {
        let file = try PcapFile(path: path)
        if let linkType = file.fileLinkType, !PacketDecoder.supports(linkType) {
            throw CaptureFileError.unsupportedLinkType(path: path, linkType: linkType.rawValue)
        }
        let verifier = StreamVerifier(expected: expected)
        let stream = DatagramStream(sink: verifier, content: expected, pieces: pieces)
        var skipped = SkipTally()
        var frames = FrameTally()
        var flow: FlowKey?
        var packets = 0, truncated = 0
        let fragments = IPFragmentReassembler()
        try forEachSegment(in: file, fragments: fragments, skipped: &skipped, of: UDPDatagram.self, checkpoint: checkpoint) { datagram, packet, wireLength in
            guard datagram.flow.destinationPort == port, flow == nil || datagram.flow == flow else { return }
            flow = datagram.flow
            packets += 1
            frames.add(datagram, packet: packet, wireLength: wireLength)
            if datagram.payloadTruncated { truncated += 1 }
            stream.receive(datagram.payload(in: packet))
        }
        let checked = verifier.finish()
        var notes = fragments.notes + skipped.notes
        let tally = stream.tally
        notes.insert("\(tally.datagrams) datagram(s) of \(tally.smallest)-\(tally.largest) bytes", at: 0)
        if tally.lostBytes > 0 { notes.append("\(tally.lostBytes) bytes in \(stream.lost.count) stretch(es) never on the wire between datagrams") }
        if tally.misplaced > 0 { notes.append("\(tally.misplaced) datagram(s) whose bytes name no place after the one before") }
        let status: WireVerdict.Status
        if packets == 0 {
            status = .unverifiable
            notes.insert("no UDP datagrams to port \(port) in the capture", at: 0)
        } else if truncated > 0 {
            status = .unverifiable
            notes.insert("\(truncated) datagram(s) cut by the capture's snaplen", at: 0)
        } else {
            status = checked.firstMismatch == nil && checked.bytes == checked.expectedBytes ? .pass : .fail
        }
        return WireVerdict(
            status: status, flow: flow?.description, startOffset: 0, bytes: checked.bytes, sha256: checked.sha256,
            expectedBytes: checked.expectedBytes, expectedSHA256: checked.expectedSHA256,
            firstMismatch: checked.firstMismatch, mismatchedBytes: checked.mismatchedBytes,
            missingBytes: checked.missingBytes, extraBytes: checked.extraBytes, truncatedBytes: checked.truncatedBytes,
            gaps: stream.lost, conflicts: [], packets: packets, segments: tally.datagrams,
            retransmittedBytes: 0, outOfOrderSegments: tally.misplaced, truncatedSegments: truncated,
            synSeen: false, finSeen: false, rstSeen: false, frames: frames.finish(), notes: notes, datagrams: tally)
    }
}
