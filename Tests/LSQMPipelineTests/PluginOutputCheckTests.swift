import Foundation
import LSQMBasics
import LSQMCore
import LSQMHost
import LSQMMine
import LSQMPluginKit
import LSQMPush
import LSQMSync
import LSQMTestSupport
import XCTest

/// The host checks what plugins return (issue 15, item 2): hostile C plugins answer with unsafe paths,
/// duplicates, another source's URL and an oversized message.
final class PluginOutputCheckTests: XCTestCase {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = try Files.makeTemporaryDirectory(prefix: "lsqm-output-check")
        try XCTSkipUnless(Files.exists(BuildProducts.lsqm), "build the package first (swift build)")
    }

    override func tearDown() { Files.remove(scratch) }

    /// `text` as a C string literal.
    static func cLiteral(_ text: String) -> String {
        "\""
            + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n") + "\""
    }

    /// A source plugin named `name` whose discover answers `response` (one page).
    func fixedSource(name: String, response: String) async throws -> URL {
        let body = "*response_json = strdup(\(Self.cLiteral(response))); return LSQM_OK;"
        let source = CPluginCompiler.notifierSource(name: name, notifyBody: body, kind: "LSQM_KIND_SOURCE")
        return try await CPluginCompiler.compile(source, name: name.lowercased(), into: scratch)
    }

    func testUnsafePathsDuplicatesAndAnotherSourcesURLAreRefusedAndPushStillWorks() async throws {
        // A working copy of a bare remote, as `lsqm sync` makes it.
        let seed = scratch.appendingPathComponent("seed")
        _ = try await SyncStage.run(.init(repository: seed.path, workingCopy: seed))
        let remote = scratch.appendingPathComponent("remote.git")
        try await Git(directory: scratch).run(["clone", "--quiet", "--bare", seed.path, remote.path])
        let clone = scratch.appendingPathComponent("clone")
        _ = try await SyncStage.run(.init(repository: "file://\(remote.path)", workingCopy: clone))
        let store = ArtifactStore(root: clone)
        let gitConfigBefore = try String(contentsOf: clone.appendingPathComponent(".git/config"), encoding: .utf8)

        // Another source already owns file:///owned.
        let tf = "resource \"aws_s3_bucket\" \"b\" {}\n"
        _ = try await ArchitectureIndexer(store: store).index([
            DiscoveredArchitecture(
                sourceURL: "file:///owned", name: "owned", files: [ArchitectureFile(path: "main.tf", content: Data(tf.utf8))], source: "Honest")
        ])

        func item(_ url: String, _ files: [(String, String)]) -> JSONValue {
            [
                "source_url": .string(url), "name": .string(url), "kind": "terraform",
                "files": .array(files.map { ["path": .string($0.0), "content": .string($0.1)] }),
            ]
        }
        let evil = "[core]\n\thooksPath = /tmp/evil\n"
        let response: JSONValue = [
            "architectures": [
                item("hostile://good", [("main.tf", tf.replacingOccurrences(of: "\"b\"", with: "\"good\""))]),
                item("hostile://git-config", [("main.tf", tf), (".git/config", evil)]),
                item("hostile://nested-git", [("main.tf", tf), ("modules/.GIT/hooks/post-checkout", "#!/bin/sh\n")]),
                item("hostile://duplicate", [("main.tf", tf), ("main.tf", tf + "# again\n")]),
                item("hostile://control", [("main\u{1b}[2J.tf", tf)]),
                item("file:///owned", [("main.tf", tf.replacingOccurrences(of: "\"b\"", with: "\"replaced\""))]),
            ], "next_cursor": .null,
        ]
        _ = try await fixedSource(name: "Hostile", response: try JSONCoding.string(response))
        let manager = PluginManager(
            directories: [PluginDirectory(url: scratch, origin: .flag)], workerExecutable: BuildProducts.lsqm,
            cacheRoot: scratch.appendingPathComponent("cache"), callTimeout: .seconds(30))
        let output = try await MineStage.run(.init(store: store, sources: [PluginSelection(name: "Hostile")], normalizers: [], manager: manager))

        XCTAssertNil(output.sources.first?.error, "one bad architecture does not fail the source")
        let index = try store.loadIndex()
        XCTAssertEqual(Set(index.architectures.values.map(\.sourceURL)), ["hostile://good", "file:///owned"])
        XCTAssertEqual(index.architectures.values.first { $0.sourceURL == "file:///owned" }?.source, "Honest", "the owner's entry is untouched")
        func skipped(_ url: String) -> String { index.skipped[url] ?? output.summary.skipped[url] ?? "<not refused>" }
        XCTAssertTrue(skipped("hostile://git-config").contains("\".git/config\": the path has a .git component"), skipped("hostile://git-config"))
        XCTAssertTrue(skipped("hostile://nested-git").contains("the path has a .git component"), skipped("hostile://nested-git"))
        XCTAssertTrue(skipped("hostile://duplicate").contains("\"main.tf\": the path appears twice"), skipped("hostile://duplicate"))
        XCTAssertTrue(skipped("hostile://control").contains("control character"), skipped("hostile://control"))
        XCTAssertFalse(skipped("hostile://control").contains("\u{1b}"), "the path is shown escaped")
        XCTAssertTrue(output.summary.skipped["file:///owned"]?.contains("belongs to source Honest") ?? false, "\(output.summary.skipped)")
        XCTAssertEqual(try String(contentsOf: clone.appendingPathComponent(".git/config"), encoding: .utf8), gitConfigBefore)

        let pushed = try await PushStage.run(.init(workingCopy: clone, title: "mine with a hostile source"))
        XCTAssertTrue(pushed.pushed, "\(pushed)")
        let files = try await Git(directory: remote).run(["ls-tree", "-r", "--name-only", "main"]).stdout
        XCTAssertFalse(files.contains(".git/") || files.lowercased().contains("/.git/"), files)
    }

    func testAnOversizedAnswerIsAClearErrorAtOnce() async throws {
        // 2 MB of JSON against a 1 MB message limit, with a call timeout far above the 5 s this may take.
        let body = """
            size_t n = 2u << 20; char *out = malloc(n + 32); strcpy(out, "{\\"delivered\\":true,\\"detail\\":\\"");
            size_t head = strlen(out); memset(out + head, 'x', n); strcpy(out + head + n, "\\"}"); *response_json = out; return LSQM_OK;
            """
        let library = try await CPluginCompiler.compile(CPluginCompiler.notifierSource(name: "Flood", notifyBody: body), name: "flood", into: scratch)
        let manager = PluginManager(
            directories: [], workerExecutable: BuildProducts.lsqm, cacheRoot: scratch.appendingPathComponent("cache"),
            callTimeout: .seconds(60), maxFrameBytes: 1 << 20)
        let instance = try await manager.instantiate(path: library.path, config: [:])
        let clock = ContinuousClock()
        let started = clock.now
        do {
            _ = try await instance.call(.notify, request: "{}")
            XCTFail("a 2 MB answer over a 1 MB limit must fail")
        } catch let error as LSQMError {
            XCTAssertTrue(error.message.contains("over the host's limit of 1048576 bytes"), error.message)
            XCTAssertTrue(error.message.contains("notify with plugin Flood"), error.message)
        }
        XCTAssertLessThan(clock.now - started, .seconds(5))
        await instance.shutdown()
    }
}
