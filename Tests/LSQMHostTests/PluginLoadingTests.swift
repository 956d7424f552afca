import Foundation
import LSQMBasics
import LSQMHost
import LSQMTestSupport
import XCTest

/// Real dlopen of the built plugins and of bad libraries compiled here with cc.
final class PluginLoadingTests: XCTestCase {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = try Files.makeTemporaryDirectory(prefix: "lsqm-host-test")
        try XCTSkipUnless(Files.exists(BuildProducts.lsqm), "build the package first (swift build): \(BuildProducts.lsqm.path) is missing")
    }

    override func tearDown() { Files.remove(scratch) }

    func manager(_ isolation: PluginIsolation = .isolated, timeout: Duration = .seconds(20), http: HostHTTPService? = nil) -> PluginManager {
        PluginManager(
            directories: [PluginDirectory(url: scratch, origin: .flag)], isolation: isolation,
            workerExecutable: BuildProducts.lsqm, cacheRoot: scratch.appendingPathComponent("cache"), callTimeout: timeout, http: http)
    }

    func testBuiltInPluginsLoadFromSharedLibrariesInBothLanguages() async throws {
        let builtIn = PluginManager(
            directories: [PluginDirectory(url: BuildProducts.directory, origin: .builtIn)],
            workerExecutable: BuildProducts.lsqm, cacheRoot: scratch)
        let listings = await builtIn.list()
        let c = try XCTUnwrap(listings.first { $0.name == "FileNotifier" })
        XCTAssertTrue(c.loaded)
        XCTAssertEqual(c.kind, .notifier)
        XCTAssertEqual(c.abi, "1.0")
        XCTAssertTrue(c.path.hasSuffix("libFileNotifier.so"))
        let swift = try XCTUnwrap(listings.first { $0.name == "LocalDirectorySource" })
        XCTAssertTrue(swift.loaded)
        XCTAssertEqual(swift.kind, .source)
        // In-process loading reads the same descriptors.
        let inProcess = try LoadedPlugin.load(path: BuildProducts.plugin("LocalDirectorySource").path).get()
        XCTAssertEqual(inProcess.info.name, "LocalDirectorySource")
    }

    func testBadLibrariesAreRefusedWithTheirReason() async throws {
        try AtomicFile.write("not a library", to: scratch.appendingPathComponent("libtext.so"))
        _ = try await CPluginCompiler.compile(
            CPluginCompiler.notifierSource(name: "NoEntry", exportName: "something_else"), name: "noentry", into: scratch)
        _ = try await CPluginCompiler.compile(CPluginCompiler.notifierSource(name: "BadMagic", magic: "0xDEADBEEF"), name: "badmagic", into: scratch)
        _ = try await CPluginCompiler.compile(CPluginCompiler.notifierSource(name: "Future", abiMajor: "2"), name: "future", into: scratch)
        _ = try await CPluginCompiler.compile(CPluginCompiler.notifierSource(name: "Tiny", structSize: "8"), name: "tiny", into: scratch)
        _ = try await CPluginCompiler.compile(CPluginCompiler.notifierSource(name: "Alien", kind: "99"), name: "alien", into: scratch)
        for isolation in [PluginIsolation.isolated, .inProcess] {
            let listings = await manager(isolation).list()
            func reason(_ file: String) -> String { listings.first { $0.path.hasSuffix(file) }?.error ?? "<not listed>" }
            XCTAssertTrue(listings.allSatisfy { !$0.loaded }, "\(isolation)")
            XCTAssertTrue(reason("libtext.so").contains("not an ELF"), reason("libtext.so"))
            XCTAssertTrue(reason("libnoentry.so").contains("missing entry symbol lsqm_plugin_entry"), reason("libnoentry.so"))
            XCTAssertTrue(reason("libbadmagic.so").contains("wrong magic"), reason("libbadmagic.so"))
            XCTAssertTrue(reason("libfuture.so").contains("newer major version"), reason("libfuture.so"))
            XCTAssertTrue(reason("libtiny.so").contains("smaller than the v1 descriptor"), reason("libtiny.so"))
            XCTAssertTrue(reason("libalien.so").contains("unknown plugin kind 99"), reason("libalien.so"))
        }
    }

    /// Whether a file is a plugin at all is said where it is refused, through the worker and the describe cache,
    /// and reaches callers as the error's code: not the reason's words.
    func testARefusalSaysWhetherTheFileIsAPluginAtAll() async throws {
        try AtomicFile.write("not a library", to: scratch.appendingPathComponent("libtext.so"))
        let noEntry = try await CPluginCompiler.compile(
            CPluginCompiler.notifierSource(name: "NoEntry", exportName: "something_else"), name: "noentry", into: scratch)
        let badMagic = try await CPluginCompiler.compile(
            CPluginCompiler.notifierSource(name: "BadMagic", magic: "0xDEADBEEF"), name: "badmagic", into: scratch)
        let manager = manager()
        for _ in 0..<2 {  // the second round answers from the describe cache
            for (library, notAPlugin) in [(scratch.appendingPathComponent("libtext.so"), true), (noEntry, true), (badMagic, false)] {
                guard case .failure(let refusal) = await manager.describe(path: library.path) else { return XCTFail("\(library) is refused") }
                XCTAssertEqual(refusal.isNotAPlugin, notAPlugin, library.lastPathComponent)
            }
        }
        for isolation in [PluginIsolation.isolated, .inProcess] {
            do {
                _ = try await self.manager(isolation).instantiate(path: noEntry.path, config: [:])
                XCTFail("a library without the entry symbol is refused")
            } catch let error as LSQMError {
                XCTAssertEqual(error.code, .notAPlugin, "\(isolation): \(error)")
            }
            do {
                _ = try await self.manager(isolation).instantiate(path: badMagic.path, config: [:])
                XCTFail("a library with a wrong magic number is refused")
            } catch LSQMError.Code.pluginRefused {
            }
        }
    }

    /// Identity is the descriptor name: a second library with a name already taken is refused naming both
    /// paths, the first one found keeps the name, and the config can still pick the other by path.
    func testANameCollisionIsRefusedWithBothPathsUnlessPickedByPath() async throws {
        let other = scratch.appendingPathComponent("override")
        try Files.createDirectory(other)
        _ = try await CPluginCompiler.compile(CPluginCompiler.notifierSource(name: "Same"), name: "same1", into: scratch)
        let second = try await CPluginCompiler.compile(CPluginCompiler.notifierSource(name: "Same"), name: "same2", into: other)
        let manager = PluginManager(
            directories: [PluginDirectory(url: scratch, origin: .environment), PluginDirectory(url: other, origin: .flag)],
            workerExecutable: BuildProducts.lsqm, cacheRoot: scratch.appendingPathComponent("cache"))
        let listings = await manager.list()
        let first = scratch.appendingPathComponent("libsame1.so").standardizedFileURL.path
        XCTAssertEqual(listings.filter(\.loaded).map(\.path), [first])
        let refusal = listings.first { !$0.loaded }?.error ?? ""
        XCTAssertTrue(refusal.contains("collides with \(first)") && refusal.contains(second.standardizedFileURL.path), refusal)
        let byName = try await manager.instantiate(name: "Same", kind: .notifier, config: [:])
        XCTAssertEqual(byName.info.path, first)
        await byName.shutdown()
        let byPath = try await manager.instantiate(name: second.path, kind: .notifier, config: [:])
        XCTAssertEqual(byPath.info.path, second.standardizedFileURL.path)
        await byPath.shutdown()
    }

    /// A plugin named like a built-in is refused, and the built-in is what a selection by that name gets.
    func testAPluginNamedLikeABuiltInIsRefusedAndTheBuiltInUsed() async throws {
        let impostor = try await CPluginCompiler.compile(CPluginCompiler.notifierSource(name: "SlackNotifier"), name: "impostor", into: scratch)
        let manager = PluginManager(
            directories: [PluginDirectory(url: BuildProducts.directory, origin: .builtIn), PluginDirectory(url: scratch, origin: .flag)],
            workerExecutable: BuildProducts.lsqm, cacheRoot: scratch.appendingPathComponent("cache"))
        let listings = await manager.list()
        let refused = listings.first { $0.path == impostor.standardizedFileURL.path }
        XCTAssertEqual(refused?.loaded, false)
        XCTAssertTrue(
            refused?.error?.contains(BuildProducts.plugin("SlackNotifier").standardizedFileURL.path) ?? false, "\(String(describing: refused))")
        let slack = try await manager.instantiate(name: "SlackNotifier", kind: .notifier, config: [:])
        XCTAssertEqual(slack.info.path, BuildProducts.plugin("SlackNotifier").standardizedFileURL.path)
        await slack.shutdown()
    }
}
