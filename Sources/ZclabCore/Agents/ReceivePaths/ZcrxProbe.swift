import CZclabLinux
import Foundation

/// What io_uring zero-copy receive (zcrx: IORING_REGISTER_ZCRX_IFQ, then
/// IORING_OP_RECV_ZC; Linux 6.15) needs that this kernel or an interface
/// lacks, found by trying to register RX queue 0. Each errno is named by the
/// check of io_uring/zcrx.c (io_register_zcrx_ifq) and net/core
/// (__net_mp_open_rxq) that returns it. A first attempt on ifindex 0, which
/// exists nowhere, tells the kernel's side (ENODEV: every io_uring check
/// passed) from the interface's.
public enum ZcrxProbe {
    /// Why RX queue 0 of `interface` cannot take a zcrx registration here
    /// (in this network namespace), or nil when it registered.
    public static func missing(interface: String) -> String? {
        let release = kernelRelease()
        switch zcl_zcrx_register(0, 0) {
        case ENODEV: break  // the ring, the capability and the kernel's zcrx are all there
        case EINVAL:
            let version = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
            return version.count == 2 && (version[0], version[1]) < (6, 15)
                ? "Linux \(release) has no IORING_REGISTER_ZCRX_IFQ (zcrx came in 6.15)"
                : "Linux \(release) refused the ring zcrx needs (DEFER_TASKRUN, SINGLE_ISSUER, CQE32): EINVAL"
        case EOPNOTSUPP: return "Linux \(release) is built without CONFIG_IO_URING_ZCRX"
        case EPERM: return "registering a zcrx queue needs CAP_NET_ADMIN"
        case let code where code < 0: return "io_uring_setup with DEFER_TASKRUN, SINGLE_ISSUER and CQE32: \(Errno(-code).name)"
        case let code: return "a zcrx registration on no interface gave \(Errno(code).name), not ENODEV: the kernel refused before looking at the device"
        }
        let index = if_nametoindex(interface)
        guard index != 0 else { return "no interface \(interface) here" }
        let result = zcl_zcrx_register(index, 0)
        guard result != 0 else { return nil }
        let hasParent = FileManager.default.fileExists(atPath: "/sys/class/net/\(interface)/device")
        let driver = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/sys/class/net/\(interface)/device/driver"))
            .map { ($0 as NSString).lastPathComponent }
        let what = driver.map { "\(interface) (driver \($0))" } ?? interface
        return switch result {
        case EOPNOTSUPP where !hasParent:
            "\(what) is a virtual device with no parent device to DMA into (netdev_queue_get_dma_dev): zcrx needs a NIC RX queue: EOPNOTSUPP"
        case EOPNOTSUPP:
            "\(what) has no queue management ops (netdev_queue_mgmt_ops) to restart RX queue 0 with zcrx's memory provider (__net_mp_open_rxq): EOPNOTSUPP"
        case EINVAL: "\(what): tcp-data-split is not on, or hds-thresh is not 0 (ethtool -G \(interface) tcp-data-split on): EINVAL"
        case ERANGE: "\(what) has no RX queue 0: ERANGE"
        case EEXIST: "\(what): an XDP program is attached, or RX queue 0 already has a memory provider: EEXIST"
        case EBUSY: "\(what): RX queue 0 is used by AF_XDP: EBUSY"
        case ENODATA: "\(what): the driver's page pool did not take zcrx's memory provider: ENODATA"
        default: "\(what): IORING_REGISTER_ZCRX_IFQ gave \(Errno(result).name)"
        }
    }

    private static func kernelRelease() -> String {
        var name = utsname()
        uname(&name)
        return withUnsafeBytes(of: &name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
}

/// The receive path of `io-uring-zcrx`: none yet. The runner probes the
/// receiver's interface first (`ZcrxProbe`) and skips the scenario with what
/// is missing, or, where a queue registers, with the fact that zclab does not
/// receive with IORING_OP_RECV_ZC yet; so this path is never started.
struct ZcrxProbePath: ReceivePath {
    static let summary = "probe only: IORING_REGISTER_ZCRX_IFQ on the receiver's interface, RX queue 0; the scenario is skipped with what the kernel or the interface lacks"
    static let blockingCall = "io_uring_enter"
    static let syscalls: [String] = []

    init(config: ReceiverConfig) {}

    mutating func receive(from socket: FileDescriptor, _ context: inout ReceiveContext) throws(Errno) -> ReceivePathReport? {
        throw Errno(EOPNOTSUPP)
    }
}
