import Foundation
import LSQMBasics
import LSQMCore
import XCTest

@testable import LSQMValidate

/// Puts architectures into a temporary ArtifactStore the way the mine stage would (files + index entry),
/// so these tests do not depend on mining.
struct ValidateFixtures {
    let root: URL
    let store: ArtifactStore
    let cache: URL

    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Examples", isDirectory: true).standardizedFileURL

    init() throws {
        root = try Files.makeTemporaryDirectory(prefix: "lsqm-validate-test")
        store = ArtifactStore(root: root.appendingPathComponent("repo"))
        try store.initializeLayout()
        // The plugin cache and venvs persist across tests in one place so later inits are warm, as in real use.
        cache = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("lsqm-validate-test-cache", isDirectory: true)
    }

    /// Removes the store, unless LSQM_KEEP_TEST_DIRS is set (to read the run's logs after a failure).
    func remove() {
        if ProcessInfo.processInfo.environment["LSQM_KEEP_TEST_DIRS"] != nil {
            print("kept \(root.path)")
            return
        }
        Files.remove(root)
    }

    /// Indexes an architecture from in-memory files, with an optional app.
    @discardableResult
    func add(
        name: String, services: [String], terraform: [(path: String, content: Data)], app: [(path: String, content: Data)] = []
    ) throws -> Architecture {
        let architecture = Architecture(
            id: ContentHash.architecture(files: terraform), name: name, kind: .terraform,
            sourceURL: "file://examples/\(name)", source: "test", services: services,
            resourceCount: 1, files: terraform.map(\.path).sorted(), discoveredAt: Date())
        try store.saveArchitecture(architecture, originalFiles: terraform, terraformFiles: terraform)
        for file in app {
            try AtomicFile.write(file.content, to: try ArtifactStore.safeJoin(store.appDirectory(architecture.id), file.path))
        }
        var index = try store.loadIndex()
        index.architectures[architecture.id] = architecture
        try store.saveIndex(index)
        return architecture
    }

    /// Indexes one of `Examples/architectures/<name>` with its app from `Examples/apps/<name>`.
    @discardableResult
    func addExample(_ name: String, services: [String], withApp: Bool = true) throws -> Architecture {
        try add(
            name: name, services: services, terraform: Self.files(under: Self.examples.appendingPathComponent("architectures/\(name)")),
            app: withApp ? Self.files(under: Self.examples.appendingPathComponent("apps/\(name)")) : [])
    }

    static func files(under directory: URL) throws -> [(path: String, content: Data)] {
        try Files.regularFiles(under: directory).map { ($0, try Files.read(directory.appendingPathComponent($0))) }
    }

    static func text(_ path: String, _ content: String) -> (path: String, content: Data) { (path, Data(content.utf8)) }

    func options(
        timeout: Duration = .seconds(300), parallel: Int = 4, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> ValidateOptions {
        ValidateOptions(
            parallel: parallel, timeout: timeout, healthTimeout: .seconds(30), cleanupTimeout: .seconds(120),
            terraform: TerraformSettings(
                mirror: TerraformSettings.defaultMirror(configured: environment["LSQM_TF_PLUGIN_MIRROR"]),
                pluginCache: cache.appendingPathComponent("terraform-plugins")),
            venvDirectory: cache.appendingPathComponent("venvs"), environment: environment)
    }

    /// The emulator endpoint a validation's log names (first `== emulator` section).
    static func emulatorPort(inLog log: String) -> Int? {
        guard let range = log.range(of: #"http://127\.0\.0\.1:\d+"#, options: .regularExpression) else { return nil }
        return Int(log[range].split(separator: ":").last ?? "")
    }

    /// True when something accepts connections on the loopback port.
    static func isListening(_ port: Int) async -> Bool {
        let client = SocketHTTPClient(endpoint: .tcp(host: "127.0.0.1", port: port), timeout: .seconds(2))
        do {
            _ = try await client.send("GET", "/")
            return true
        } catch {
            return !"\(error)".contains("Connection refused")
        }
    }

    static func skipUnlessInstalled(_ tools: [String]) throws {
        for tool in tools where Subprocess.which(tool) == nil {
            throw XCTSkip("\(tool) is not installed")
        }
        if TerraformSettings.defaultMirror(configured: ProcessInfo.processInfo.environment["LSQM_TF_PLUGIN_MIRROR"]) == nil {
            throw XCTSkip("no terraform provider mirror (/opt/tf-plugins or LSQM_TF_PLUGIN_MIRROR)")
        }
    }
}
