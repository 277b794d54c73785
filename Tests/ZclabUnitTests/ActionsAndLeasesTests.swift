import Testing
@testable import ZclabCore

@Suite("Actions, leases and sysctls in scenario files")
struct ActionsAndLeasesTests {
    let head = "name: x\nfile: {size: 16MiB}\n"

    @Test func actionsWithActorsAndTriggerLists() throws {
        let scenario = try ScenarioParser.parse(head + """
            sender: {method: sendfile}
            receiver: {pause_after: 4MiB}
            actions:
              - when: [receiver.paused, sender.blocked]
                do: open
                flags: [O_WRONLY, O_TRUNC]
              - when: previous.done
                do: ftruncate
                to: 1MiB
              - when: previous.done
                do: overwrite
                offset: 8MiB
                length: 4KiB
                seed: 9
              - when: previous.done
                do: resume-receiver
            expect: {wire.intact: true}
            """, path: "a.yaml")
        #expect(scenario.actions.map(\.triggers) == [[.receiverPaused, .senderBlocked], [.previousDone], [.previousDone], [.previousDone]])
        #expect(scenario.actions.map(\.kind) == [
            .file(.open(flags: ["O_WRONLY", "O_TRUNC"])), .file(.ftruncate(size: 1 << 20)),
            .file(.overwrite(offset: 8 << 20, length: 4096, seed: 9)), .resumeReceiver,
        ])
    }

    @Test func leaseSpecAndSysctls() throws {
        let scenario = try ScenarioParser.parse(head + """
            sysctls: {fs/lease-break-time: 1}
            sender:
              method: sendfile
              lease: {type: write, signal: SIGRTMIN+1, on_break: downgrade, restart: false, extra_descriptor: true}
            expect: {sender.lease_set: ok}
            """, path: "l.yaml")
        #expect(scenario.sysctls == ["fs/lease-break-time": "1"])
        let lease = try #require(scenario.workload.sender?.lease)
        #expect(lease.type == .write)
        #expect(lease.signal == "SIGRTMIN+1")
        #expect(lease.onBreak == .read)
        #expect(!lease.restart && lease.handler && lease.extraDescriptor)
        #expect(lease.target == .file)
        #expect(lease.badSignal == nil && !lease.getsigOnDup && !lease.releaseAtEnd)
    }

    @Test func leaseSignalProbesAndLateRelease() throws {
        let scenario = try ScenarioParser.parse(head + """
            sender:
              method: sendfile
              lease: {type: read, bad_signal: -1, getsig_on_dup: true, release_at_end: true}
            expect: {sender.getsig_on_dup: none, sender.fcntl_setsig.errno: EINVAL}
            """, path: "l.yaml")
        let lease = try #require(scenario.workload.sender?.lease)
        #expect(lease.badSignal == -1 && lease.getsigOnDup && lease.releaseAtEnd)
    }

    @Test(arguments: [
        ("sender: {method: sendfile}\nactions:\n  - when: previous.done\n    do: truncate\n    to: 1\nexpect: {wire.intact: true}\n", 5, "first action cannot wait"),
        ("sender: {method: sendfile}\nactions:\n  - when: sender.blocked\n    do: open\n    flags: [O_APPEND]\nexpect: {wire.intact: true}\n", 7, "flag 'O_APPEND'"),
        ("sender: {method: sendfile}\nactions:\n  - when: sender.blocked\n    do: truncate\nexpect: {wire.intact: true}\n", 6, "'truncate' needs 'to'"),
        ("sender: {method: sendfile, lease: {type: exclusive}}\n", 3, "lease type 'exclusive'"),
        ("sender: {method: sendfile, lease: {type: read, signal: SIGKILL}}\n", 3, "signal 'SIGKILL'"),
        ("sender: {method: sendfile, lease: {type: read, on_break: panic}}\n", 3, "on_break 'panic'"),
        ("sender: {method: sendfile, lease: {type: read, bad_signal: 35}}\n", 3, "bad_signal '35' is not a whole number outside 0...64"),
        ("sender: {method: sendfile, lease: {type: read, bad_signal: SIGIO}}\n", 3, "bad_signal 'SIGIO'"),
        ("sender: {method: sendfile, lease: {type: read, getsig_on_dup: maybe}}\n", 3, "getsig_on_dup"),
        ("sender: {method: sendfile, lease: {type: read, release_at_end: 2}}\n", 3, "release_at_end"),
        ("sender: {method: sendfile, lease: {type: read, other_writer: someone}}\n", 3, "other_writer"),
        ("sender: {method: sendfile, lease: {type: write, on: elsewhere}}\n", 3, "sole-write-only"),
        ("sender: {method: mmap-write, sigbus: default}\n", 3, "needs touch_after_short_write: true"),
        ("sysctls: {net/core/optmem_max: 1}\nsender: {method: sendfile}\n", 3, "unknown key 'net/core/optmem_max' in sysctls"),
        ("sender: {method: sendfile, touch_after_short_write: true}\n", 3, "for method mmap-write"),
    ])
    func errorsAreLocated(body: String, line: Int, message: String) {
        expectParseError(head + body, line: line, message: message)
    }

    @Test func comparisonKinds() {
        var observations = Observations()
        let overwrite = PatternContent(count: 1 << 20, seed: 99)
        var written = [UInt8](repeating: 0, count: 16)
        written.withUnsafeMutableBytes { overwrite.fill($0, at: 4096) }
        let newData = Mismatch(offset: 4096, kind: .other, expectedHex: "", foundHex: written.map { String(format: "%02x", $0) }.joined(), length: 16)
        observations.addComparison("wire", bytes: 1 << 20, mismatch: newData, truncatedTo: nil, overwrite: overwrite)
        #expect(observations.values["wire.first_mismatch_kind"] == .text("new"))
        #expect(observations.values["wire.intact"] == .flag(false))
        #expect(observations.values["wire.matching_bytes"] == .number(4096))

        let short = Mismatch(offset: 5000, kind: .short, expectedHex: "", foundHex: "", length: 100)
        observations.addComparison("receiver", bytes: 5000, mismatch: short, truncatedTo: 4000, overwrite: nil)
        #expect(observations.values["receiver.intact"] == .flag(true))
        #expect(observations.values["receiver.past_eof_bytes"] == .number(1000))
        #expect(observations.values["receiver.first_mismatch_kind"] == .text("short"))
    }

    @Test func shippedClaimsAreJudged() throws {
        let claims = try Findings.loadClaims(packageRoot() + "/docs/claims.yaml")
        #expect(claims.map(\.id) == (1 ... 12).map { "C\($0)" })
        // Every scenario a claim names is shipped.
        let shipped = Set(ScenarioLoader.load(try ScenarioLoader.files(in: [packageRoot() + "/scenarios"])).scenarios.map(\.name))
        for claim in claims {
            for name in claim.testedBy { #expect(shipped.contains(name), "\(claim.id): no scenario \(name)") }
        }
        let c1 = claims[0]
        var killed = ScenarioResult(name: "mmap-shared-page-boundary", file: "", tags: [], verdict: .pass, reason: "")
        killed.observations = ["sender.exit": .text("SIGBUS")]
        #expect(Findings.verdict(c1, in: killed) == .holds)
        killed.observations = ["sender.exit": .number(0)]
        #expect(Findings.verdict(c1, in: killed) == .doesNotHold)
        #expect(Findings.verdict(c1, in: nil) == .notRun)
        #expect(Findings.verdict(claims[3], in: ScenarioResult(name: "x", file: "", tags: [], verdict: .pass, reason: "")) == .doesNotHold)
    }
}

@Suite("Copy scenarios")
struct CopyScenarioTests {
    @Test func aCopyNeedsNoSender() throws {
        let scenario = try ScenarioParser.parse(
            "name: c\nfile: {size: 3GiB, marks: [2GiB, end]}\ncopy: {method: copy_file_range, to: disk}\nexpect: {copy.error: EXDEV}\n",
            path: "c.yaml")
        guard case .copy(let copy) = scenario.workload else {
            Issue.record("a copy scenario's workload is \(scenario.workload)")
            return
        }
        #expect(copy.method == .copyFileRange)
        #expect(copy.destination == .disk)
        #expect(copy.folder(runID: "20261126-000000-abcdef") == "/var/tmp/zcl-abcdef")
        #expect(scenario.file.dataExtents?.count == 2)
    }

    @Test func aCopyWithASenderIsAnError() {
        expectParseError(
            "name: c\nfile: {size: 1MiB}\ncopy: {method: sendfile}\nsender: {method: sendfile}\n", line: 4,
            message: "a copy scenario has no sender")
        expectParseError("name: c\nfile: {size: 1MiB}\ncopy: {method: cp}\n", line: 3, message: "copy method 'cp'")
    }
}

@Suite("MSG_ZEROCOPY options")
struct ZerocopyOptionsTests {
    @Test func parsed() throws {
        let scenario = try ScenarioParser.parse(
            "name: z\nfile: {size: 1MiB}\nsender: {method: msg-zerocopy, zerocopy: {enable: false, read_every: 0}}\nexpect: {zerocopy.notifications: 0}\n",
            path: "z.yaml")
        #expect(scenario.workload.sender?.zerocopy == ZerocopyOptions(enable: false, readEvery: 0))
    }

    @Test func onlyForMsgZerocopy() {
        expectParseError(
            "name: z\nfile: {size: 1MiB}\nsender: {method: sendfile, zerocopy: {read_every: 4}}\n", line: 3,
            message: "zerocopy is for method msg-zerocopy")
    }
}
