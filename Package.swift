// swift-tools-version: 6.0
import Foundation
import PackageDescription

/// liburing is optional: without liburing-dev, zclab builds and skips its
/// io_uring scenarios, saying so.
let haveLiburing = FileManager.default.fileExists(atPath: "/usr/include/liburing.h")

let package = Package(
    name: "zclab",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "zclab", targets: ["zclab"]),
        .library(name: "ZclabCore", targets: ["ZclabCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        // libpcap, through pkg-config (Debian: libpcap-dev).
        .systemLibrary(
            name: "CPcap",
            pkgConfig: "libpcap",
            providers: [.apt(["libpcap-dev"])]
        ),
        // Linux calls and constants that Swift's Glibc module does not import
        // (it is built without _GNU_SOURCE). Every symbol is prefixed `zcl_`.
        .target(name: "CZclabLinux"),
        // io_uring SEND_ZC through liburing (Debian: liburing-dev), or stubs that say ENOSYS.
        .target(
            name: "CZclabUring",
            cSettings: haveLiburing ? [.define("ZCL_HAVE_LIBURING")] : [],
            linkerSettings: haveLiburing ? [.linkedLibrary("uring")] : []
        ),
        .target(
            name: "ZclabCore",
            dependencies: [
                "CPcap",
                "CZclabLinux",
                "CZclabUring",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "zclab",
            dependencies: [
                "ZclabCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "ZclabUnitTests", dependencies: ["ZclabCore"]),
        .testTarget(name: "ZclabEndToEndTests", dependencies: ["ZclabCore"]),
    ],
    swiftLanguageModes: [.v6]
)

/// The fuzz harness (fuzz/Sources/ZclabFuzz), only when scripts/fuzz builds
/// it: it needs `-sanitize=fuzzer` (libFuzzer supplies `main`), so the normal
/// build and `swift test` never see it.
if ProcessInfo.processInfo.environment["ZCLAB_FUZZ_BUILD"] == "1" {
    package.targets += [
        .target(name: "CZclabFuzz", path: "fuzz/Sources/CZclabFuzz"),
        .executableTarget(name: "ZclabFuzz", dependencies: ["ZclabCore", "CZclabFuzz"], path: "fuzz/Sources/ZclabFuzz"),
    ]
}
