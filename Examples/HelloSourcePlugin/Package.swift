// swift-tools-version: 6.1
//
// An out-of-tree lsqm source plugin: what a team outside this repository writes. It depends on lsqm only for
// LSQMPluginKit (the ABI in Swift) and LSQMPluginTesting (an in-memory host for its unit tests), and builds a
// dynamic library that `lsqm plugins check` and `--plugin-dir` accept. Build it with the Swift toolchain that
// built lsqm (lsqm_plugin.h, CONVENTIONS). CI builds and tests it (.ci/run).
import PackageDescription

let package = Package(
    name: "HelloSourcePlugin",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "HelloSource", type: .dynamic, targets: ["HelloSource"])
    ],
    dependencies: [
        // A real plugin names lsqm's git URL and a version here.
        .package(name: "lsqm", path: "../..")
    ],
    targets: [
        .target(
            name: "HelloSource", dependencies: [.product(name: "LSQMPluginKit", package: "lsqm")],
            swiftSettings: [.swiftLanguageMode(.v6)]),
        .testTarget(
            name: "HelloSourceTests", dependencies: ["HelloSource", .product(name: "LSQMPluginTesting", package: "lsqm")],
            swiftSettings: [.swiftLanguageMode(.v6)]),
    ]
)
