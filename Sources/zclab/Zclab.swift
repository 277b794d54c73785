import ArgumentParser
import ZclabCore

@main
struct Zclab: ParsableCommand {
    static let version = RunSession.zclabVersion

    static let configuration = CommandConfiguration(
        commandName: "zclab",
        abstract: "Show what the Linux kernel and its NICs really do on zero-copy send paths.",
        discussion: """
            zclab runs scenarios: each builds an isolated network (two namespaces joined by
            a veth pair, or one namespace's loopback), sends a test file through a real
            send path (read+write, mmap+write, sendfile, splice, vmsplice, MSG_ZEROCOPY,
            io_uring SEND_ZC), or lets a program under test (nginx, your server) send it,
            captures the traffic with libpcap, rebuilds the TCP stream from the capture and
            checks it byte for byte against the file, and judges the syscall results and
            notifications the scenario expects.

            Typical use:
              zclab run                          the default set (every family, ~1 min), with a report
              zclab run --all                    every scenario
              zclab prune --keep 10              remove all but the newest 10 run folders
              zclab run scenarios/basic --format tap
              zclab run --filter sendfile --out /tmp/zcl-out
              zclab check scenarios/basic/*.yaml validate scenario files
              zclab verify cap.pcap --expect file.bin   check any capture offline
              zclab env                          what this machine can do
              zclab clean                        remove what a killed run left
              zclab report verify RUN/report.json  re-check a report from its pcaps
              zclab report html RUN/report.json --out page.html   the run as one web page
              zclab run --baseline OLD/report.json compare with an earlier run
              zclab run --kernel linux-image-6.1.0-47-amd64-unsigned --filter kernel   inside another kernel
              zclab compare RUN-A RUN-B          verdicts and values, scenario by kernel
              zclab run scenarios/nic            across a real NIC driver: a virtio-net guest as the second host
              zclab run --peer ssh://lab1 --interface eth1 --local-address 192.0.2.1 --peer-address 192.0.2.2 scenarios/nic
                                                 two hosts, a physical NIC (docs/nic.md)
              zclab run scenarios/zerocopy --backend model   the MSG_ZEROCOPY model, no root
              zclab run tests/my-server.yaml     your server under test (docs/programs.md)

            Kernel scenarios need root (network namespaces, packet capture); without it
            they are skipped with the reason. Everything zclab creates is named zcl*.
            Exit status: 0 all run scenarios passed (or only differ, under --behaviour report), 1 a scenario failed or errored,
            2 bad usage or an invalid scenario file, 4 every scenario was skipped,
            128 + the signal (130 for Ctrl-C) when a signal stopped the run.
            The scenario format: docs/scenario-format.md; the report: docs/report-schema.md.
            """,
        version: version,
        subcommands: [Run.self, Bench.self, List.self, Check.self, Env.self, Clean.self, Verify.self, ReportCommand.self, Rerun.self, FindingsCommand.self, Compare.self, Prune.self, Keys.self, Methods.self, Guest.self, Agent.self]
    )
}
