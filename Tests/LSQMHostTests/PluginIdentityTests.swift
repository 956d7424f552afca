import Foundation
import LSQMBasics
import LSQMHost
import LSQMPluginKit
import LSQMTestSupport
import Synchronization
import XCTest

/// Identity by descriptor name, describing once, and one-line plugin text (issue 15, items 3, 5 and 8).
final class PluginIdentityTests: XCTestCase {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = try Files.makeTemporaryDirectory(prefix: "lsqm-identity-test")
        try XCTSkipUnless(Files.exists(BuildProducts.lsqm), "build the package first (swift build)")
    }

    override func tearDown() { Files.remove(scratch) }

    /// `libfoo.so` whose descriptor says `Bar`: budgets and the cache folder follow `Bar` in both isolation modes.
    func testBudgetAndCacheFolderFollowTheDescriptorNameInBothModes() async throws {
        let api = try HTTPTestServer { _ in .json(["ok": true]) }
        defer { api.stop() }
        let relay = PluginGrantTests.relaySource(name: "Bar", kind: "LSQM_KIND_SOURCE")
            .replacingOccurrences(
                of: #"snprintf(out, n, "{\"rc\":%d,\"answer\":%s}", rc, inner);"#,
                with: #"snprintf(out, n + 4096, "{\"rc\":%d,\"cache\":\"%s\",\"answer\":%s}", rc, api_ref->cache_dir(host_ref), inner);"#
            )
            .replacingOccurrences(of: "char *out = malloc(n);", with: "char *out = malloc(n + 4096);")
        let library = try await CPluginCompiler.compile(relay, name: "foo", into: scratch)
        for isolation in [PluginIsolation.isolated, .inProcess] {
            let endpoints = DiscoveryEndpoints(githubAPI: api.baseURL, githubRaw: api.baseURL, terraformRegistry: api.baseURL)
            var options = HTTPService.Options(endpoints: endpoints, cacheDirectory: nil)
            options.sourceLimits = SourceLimits.from(configs: [("Bar", ["request_budget": 1])])
            let cache = scratch.appendingPathComponent("cache-\(isolation.rawValue)")
            let manager = PluginManager(
                directories: [PluginDirectory(url: scratch, origin: .flag)], isolation: isolation, workerExecutable: BuildProducts.lsqm,
                cacheRoot: cache, http: HTTPService(options: options))
            let instance = try await manager.instantiate(name: "Bar", kind: .source, config: [:])
            defer { Task { await instance.shutdown() } }
            let request = try JSONCoding.string(HTTPRequest(url: "\(api.baseURL.absoluteString)/x", cache: false))
            let first = try JSONCoding.decode(JSONValue.self, from: Data(try await instance.call(.discover, request: request).utf8))
            let second = try JSONCoding.decode(JSONValue.self, from: Data(try await instance.call(.discover, request: request).utf8))
            XCTAssertEqual(first["rc"]?.intValue, 0, "\(isolation): \(first)")
            XCTAssertEqual(second["rc"]?.intValue, 1, "\(isolation): the budget of Bar applies to libfoo.so")
            XCTAssertTrue(second["answer"]?["error"]?.stringValue?.contains("request budget of 1") ?? false, "\(second)")
            XCTAssertEqual(first["cache"]?.stringValue, cache.appendingPathComponent("plugins/Bar").path, "\(isolation)")

            // Selected by path, its budget is the one the config keys by that path.
            var byPathOptions = options
            byPathOptions.sourceLimits = SourceLimits.from(configs: [(library.path, ["request_budget": 1])])
            let byPathManager = PluginManager(
                directories: [], isolation: isolation, workerExecutable: BuildProducts.lsqm, cacheRoot: cache,
                http: HTTPService(options: byPathOptions))
            let byPath = try await byPathManager.instantiate(name: library.path, kind: .source, config: [:])
            _ = try await byPath.call(.discover, request: request)
            let over = try JSONCoding.decode(JSONValue.self, from: Data(try await byPath.call(.discover, request: request).utf8))
            await byPath.shutdown()
            XCTAssertEqual(over["rc"]?.intValue, 1, "\(isolation): the budget keyed by the path applies: \(over)")
        }
    }

    /// A library whose entry point records each time it runs (then does `then`).
    func countingLibrary(name: String, marks: URL, then: String) async throws -> URL {
        let source = CPluginCompiler.notifierSource(name: name)
            .replacingOccurrences(of: "#include \"lsqm_plugin.h\"", with: "#include <stdio.h>\n#include \"lsqm_plugin.h\"")
            .replacingOccurrences(
                of: "(void) { return &descriptor; }",
                with: "(void) { FILE *f = fopen(\"\(marks.path)\", \"a\"); if (f) { fputs(\"run\\n\", f); fclose(f); } \(then) return &descriptor; }")
        return try await CPluginCompiler.compile(source, name: name.lowercased(), into: scratch)
    }

    func runs(_ marks: URL) -> Int { ((try? String(contentsOf: marks, encoding: .utf8)) ?? "").split(separator: "\n").count }

    /// An unused plugin that crashes when loaded: the run is unaffected in both modes (it is only ever loaded
    /// in a worker to learn its name), and it is executed once, not once per command.
    func testAnUnusedCrashingPluginIsDescribedOnceInAWorkerAndNeverHurtsTheRun() async throws {
        let crashMarks = scratch.appendingPathComponent("crash-runs")
        let goodMarks = scratch.appendingPathComponent("good-runs")
        _ = try await countingLibrary(name: "Crasher", marks: crashMarks, then: "volatile int *p = NULL; *p = 1;")
        _ = try await countingLibrary(name: "Fine", marks: goodMarks, then: "")
        let cache = scratch.appendingPathComponent("cache")
        for isolation in [PluginIsolation.inProcess, .isolated, .inProcess] {
            let lines = Mutex<[String]>([])
            let logger = Logger(format: .human, minimumLevel: .info, redactor: SecretRedactor()) { line in lines.withLock { $0.append(line) } }
            let manager = PluginManager(
                directories: [PluginDirectory(url: scratch, origin: .flag)], isolation: isolation,
                workerExecutable: BuildProducts.lsqm, cacheRoot: cache, logger: logger)
            let fine = try await manager.instantiate(name: "Fine", kind: .notifier, config: [:])
            let answer = try await fine.call(.notify, request: "{}")
            await fine.shutdown()
            XCTAssertTrue(answer.contains("delivered"), answer)
            let listing = await manager.list().first { $0.path.hasSuffix("libcrasher.so") }
            XCTAssertEqual(listing?.loaded, false)
            XCTAssertTrue(listing?.error?.contains("crashed or hung while being described") ?? false, "\(String(describing: listing))")
            XCTAssertTrue(listing?.error?.contains("SIGSEGV") ?? false, "\(String(describing: listing))")
            let warned = lines.withLock { $0 }.contains { $0.contains("share lsqm's process and environment") }
            XCTAssertEqual(warned, isolation == .inProcess, "\(isolation): \(lines.withLock { $0 })")
        }
        XCTAssertEqual(runs(crashMarks), 1, "the crashing library ran once, in a worker, then its refusal was remembered")
        // Fine: described once, then loaded for each of the three instances (twice in this process, once in a worker).
        XCTAssertEqual(runs(goodMarks), 4)

        // A changed file is described again.
        _ = try await countingLibrary(name: "Crasher", marks: crashMarks, then: "")
        let manager = PluginManager(
            directories: [PluginDirectory(url: scratch, origin: .flag)], workerExecutable: BuildProducts.lsqm, cacheRoot: cache)
        let fresh = await manager.list().first { $0.path.hasSuffix("libcrasher.so") }
        XCTAssertEqual(fresh?.loaded, true)
        XCTAssertEqual(runs(crashMarks), 2)
    }

    /// A plugin's error text reaches human logs as one line with control characters escaped.
    func testPluginErrorTextIsOneEscapedLine() async throws {
        let body =
            #"*error_json = strdup("{\"error\":\"failed to post: line one\\nFAKE LOG LINE\\u001b[31m red\\ttab\",\"retryable\":false}"); return LSQM_ERROR;"#
        let library = try await CPluginCompiler.compile(
            CPluginCompiler.notifierSource(name: "Multiline", notifyBody: body), name: "multiline", into: scratch)
        let manager = PluginManager(directories: [], workerExecutable: BuildProducts.lsqm, cacheRoot: scratch.appendingPathComponent("cache"))
        let instance = try await manager.instantiate(path: library.path, config: [:])
        defer { Task { await instance.shutdown() } }
        do {
            _ = try await instance.call(.notify, request: "{}")
            XCTFail("the call fails")
        } catch let error as LSQMError {
            XCTAssertEqual(error.message, #"failed to notify with plugin Multiline: failed to post: line one\nFAKE LOG LINE\u{1b}[31m red\ttab"#)
            XCTAssertFalse(error.message.unicodeScalars.contains { $0.value < 0x20 }, error.message)
        }
    }
}
