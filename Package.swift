// swift-tools-version: 6.1
//
// lsqm — the LocalStack Quality Monitor.
//
// Modules are layered (see README "Design"); dependencies only point downwards:
//   LSQMPluginABI (C header) ← LSQMPluginKit (what plugin authors import; JSON and error types; stands alone)
//   LSQMPluginKit ← LSQMBasics ← LSQMCore ← LSQMHost ← stage modules ← LSQMPipeline (application) ← lsqm (CLI)
// Plugins live in Plugins/<Name>/ and are dynamic libraries loaded with dlopen.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6)
]

/// A plugin is a `.library(type: .dynamic)` product over one target in `Plugins/<name>/`.
func plugin(_ name: String, dependencies: [Target.Dependency] = ["LSQMPluginKit"]) -> (Product, Target) {
    (
        .library(name: name, type: .dynamic, targets: [name]),
        .target(name: name, dependencies: dependencies, path: "Plugins/\(name)", swiftSettings: swiftSettings)
    )
}

/// Remote discovery sources share GitHub tree walking, tarball extraction and folder selection.
let remoteSourceDependencies: [Target.Dependency] = ["LSQMPluginKit", "LSQMBasics", "LSQMSourceSupport"]

let plugins: [(Product, Target)] = [
    plugin("LocalDirectorySource", dependencies: ["LSQMPluginKit", "LSQMBasics", "LSQMTemplates"]),
    plugin("TerraformRegistrySource", dependencies: remoteSourceDependencies + ["LSQMTemplates"]),
    plugin("GitHubOrgSource", dependencies: remoteSourceDependencies),
    plugin("ServerlessExamplesSource", dependencies: remoteSourceDependencies),
    plugin("CDKExamplesSource", dependencies: remoteSourceDependencies),
    // One normalizer for CloudFormation, SAM and Serverless: the provider tables (~10k lines) are linked once.
    // Two plugins cannot share them: SwiftPM links a target statically into every dynamic product that uses
    // it (a `.dynamic` product of LSQMCloudFormation is not what the plugins then link), and the C ABI has
    // one descriptor per library, whose normalizer table lists every kind it accepts.
    plugin("CloudFormationNormalizer", dependencies: ["LSQMPluginKit", "LSQMBasics", "LSQMCloudFormation"]),
    plugin("SlackNotifier"),
    plugin("GitHubIssuesNotifier"),
    // FileNotifier is plain C: it proves the ABI needs nothing but the header.
    (
        .library(name: "FileNotifier", type: .dynamic, targets: ["FileNotifier"]),
        .target(name: "FileNotifier", dependencies: ["LSQMPluginABI"], path: "Plugins/FileNotifier")
    ),
]

let package = Package(
    name: "lsqm",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "lsqm", targets: ["lsqm"]),
        .library(name: "LSQMPluginKit", targets: ["LSQMPluginKit"]),
        // An in-memory host for plugin authors' unit tests (Examples/HelloSourcePlugin uses it).
        .library(name: "LSQMPluginTesting", targets: ["LSQMPluginTesting"]),
    ] + plugins.map(\.0),
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // The report's HTML template engine: no dependencies of its own (Stencil would add PathKit).
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        // SHA-256 for content identity (Crypto: CryptoKit's API; BoringSSL on Linux). Both majors offer the same
        // SHA256, so a library that pins either one still resolves with lsqm.
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        // The logging API (`Logger`, `LogHandler`): lsqm's JSON-lines and human formats are its handlers.
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // The test fakes' HTTP server (TCP and unix sockets, no dependencies of its own); LSQMTestSupport only.
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
        // Every child process (terraform, pytest, git, emulators, plugin workers): async exit and output.
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        // swift-subprocess's own dependency; lsqm names its FilePath and FileDescriptor when handing it paths and pipes.
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
    ],
    targets: [
        // Layer 1: the plugin ABI, a C header and nothing else.
        .target(name: "LSQMPluginABI"),

        // Layer 2: the Swift plugin SDK.
        // Stands alone (the C header and Foundation): an out-of-tree plugin package needs nothing else of lsqm.
        .target(name: "LSQMPluginKit", dependencies: ["LSQMPluginABI"], swiftSettings: swiftSettings),
        .target(name: "LSQMPluginTesting", dependencies: ["LSQMPluginKit"], swiftSettings: swiftSettings),

        // Foundation shared by everything in the host: errors, logging, JSON, hashing, files, processes, git.
        .target(
            name: "LSQMBasics",
            dependencies: [
                "CLSQMSystem", "LSQMPluginKit", .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"), .product(name: "SystemPackage", package: "swift-system"),
            ], swiftSettings: swiftSettings),
        .target(name: "CLSQMSystem"),

        // Template parsing shared by the host (metadata) and the normalizer plugins.
        .target(name: "LSQMTemplates", dependencies: ["LSQMBasics", "Yams"], swiftSettings: swiftSettings),

        // Plugin side: libraries only plugins link, kept under Plugins/Shared/ so their role shows in the folder list.
        // Code shared by the remote discovery sources (GitHub trees, tarballs, folder selection).
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .target(
            name: "LSQMSourceSupport", dependencies: ["LSQMPluginKit", "LSQMBasics", "LSQMTemplates", "CZlib"], path: "Plugins/Shared/LSQMSourceSupport",
            swiftSettings: swiftSettings),
        // CloudFormation, SAM and Serverless → Terraform (with the ~10k-line provider tables), linked by the normalizer.
        .target(
            name: "LSQMCloudFormation", dependencies: ["LSQMBasics", "LSQMTemplates", "LSQMPluginKit"], path: "Plugins/Shared/LSQMCloudFormation",
            swiftSettings: swiftSettings),

        // Layer 3: the domain. No network, no processes.
        .target(name: "LSQMCore", dependencies: ["LSQMBasics", "LSQMTemplates"], swiftSettings: swiftSettings),

        // Layer 4: finds, loads, checks and calls plugins; host services.
        .target(name: "LSQMHost", dependencies: ["LSQMBasics", "LSQMPluginABI", "LSQMPluginKit"], swiftSettings: swiftSettings),

        // Layer 5: stages.
        .target(name: "LSQMSync", dependencies: ["LSQMBasics", "LSQMCore"], swiftSettings: swiftSettings),
        .target(
            name: "LSQMMine", dependencies: ["LSQMBasics", "LSQMCore", "LSQMHost", "LSQMPluginKit", "LSQMTemplates"], swiftSettings: swiftSettings),
        .target(name: "LSQMValidate", dependencies: ["LSQMBasics", "LSQMCore", "LSQMTemplates"], swiftSettings: swiftSettings),
        .target(name: "LSQMGenerate", dependencies: ["LSQMBasics", "LSQMCore", "LSQMTemplates"], swiftSettings: swiftSettings),
        .target(
            name: "LSQMReport", dependencies: ["LSQMBasics", "LSQMCore", "LSQMTemplates", .product(name: "Mustache", package: "swift-mustache")],
            swiftSettings: swiftSettings),
        .target(name: "LSQMPush", dependencies: ["LSQMBasics", "LSQMCore"], swiftSettings: swiftSettings),
        .target(name: "LSQMNotify", dependencies: ["LSQMBasics", "LSQMCore", "LSQMHost", "LSQMPluginKit"], swiftSettings: swiftSettings),

        // scripts/bench-hash.sh's driver: hashing throughput of LSQMBasics' SHA256 over the corpus.
        .executableTarget(name: "LSQMHashBench", dependencies: ["LSQMBasics"], swiftSettings: swiftSettings),

        // Layer 6: the application: configuration and environment → stage inputs, one entry point per command,
        // the whole run's pipeline and its outcome, compare (it joins the report's history and re-validation).
        .target(
            name: "LSQMPipeline",
            dependencies: [
                "LSQMBasics", "LSQMCore", "LSQMHost", "LSQMPluginKit", "LSQMTemplates",
                "LSQMSync", "LSQMMine", "LSQMValidate", "LSQMGenerate", "LSQMReport", "LSQMPush", "LSQMNotify",
            ],
            swiftSettings: swiftSettings
        ),

        // Layer 7: the command line: parse → call → print.
        .executableTarget(
            name: "lsqm",
            dependencies: [
                .product(name: "ArgumentParser", package: "swift-argument-parser"), .product(name: "Logging", package: "swift-log"),
                "LSQMBasics", "LSQMHost", "LSQMGenerate", "LSQMPipeline",
            ],
            swiftSettings: swiftSettings
        ),

        // This repository's own test support (fake GitHub, Registry, Anthropic, Slack and Docker servers, the fault-injecting
        // proxy, corpus and build-product lookup): an internal target, not a product; plugin authors get their own kit.
        .target(
            name: "LSQMTestSupport",
            dependencies: ["LSQMBasics", "LSQMSourceSupport", "LSQMTemplates", .product(name: "FlyingFox", package: "FlyingFox"),
                .product(name: "FlyingSocks", package: "FlyingFox"),
            ],
            swiftSettings: swiftSettings),

        .testTarget(
            name: "LSQMCoreTests", dependencies: ["LSQMCore", "LSQMBasics", "LSQMTemplates", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "LSQMHostTests", dependencies: ["LSQMHost", "LSQMBasics", "LSQMPluginKit", "LSQMTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "LSQMTemplatesTests", dependencies: ["LSQMTemplates", "LSQMBasics", "LSQMTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "LSQMMineTests", dependencies: ["LSQMMine", "LSQMBasics", "LSQMCore", "LSQMTemplates", "LSQMTestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "LSQMGenerateTests", dependencies: ["LSQMGenerate", "LSQMBasics", "LSQMCore", "LSQMValidate", "LSQMTestSupport"],
            exclude: ["Fixtures"], swiftSettings: swiftSettings),
        .testTarget(
            name: "LSQMValidateTests",
            dependencies: ["LSQMValidate", "LSQMBasics", "LSQMCore", "LSQMTestSupport", "LSQMCloudFormation", "LSQMPluginKit"], exclude: ["Fixtures"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "NormalizerTests", dependencies: ["LSQMCloudFormation", "LSQMPluginKit", "LSQMBasics", "LSQMTestSupport", "LSQMValidate"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "LSQMDiscoveryTests",
            dependencies: [
                "LSQMHost", "LSQMBasics", "LSQMCore", "LSQMPluginKit", "LSQMMine", "LSQMSourceSupport", "LSQMTemplates", "LSQMTestSupport",
            ], swiftSettings: swiftSettings),
        .testTarget(
            name: "LSQMPipelineTests",
            dependencies: [
                "LSQMPipeline", "LSQMPush", "LSQMReport", "LSQMSync", "LSQMNotify", "LSQMMine", "LSQMHost", "LSQMBasics", "LSQMCore", "LSQMPluginKit",
                "LSQMValidate", "LSQMTestSupport",
            ], swiftSettings: swiftSettings),
        .testTarget(
            name: "LSQMReportTests", dependencies: ["LSQMReport", "LSQMPipeline", "LSQMCore", "LSQMBasics", "LSQMTemplates", "LSQMTestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(name: "CLITests", dependencies: ["LSQMTestSupport", "LSQMBasics", "LSQMCore", "LSQMTemplates"], swiftSettings: swiftSettings),
    ] + plugins.map(\.1)
)
