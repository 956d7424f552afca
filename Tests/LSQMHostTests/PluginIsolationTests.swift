import Foundation
import LSQMBasics
import LSQMHost
import LSQMPluginKit
import LSQMTestSupport
import Synchronization
import XCTest

/// A plugin can segfault, abort or hang: in isolated mode each becomes a recorded failure and the host goes on.
final class PluginIsolationTests: XCTestCase {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = try Files.makeTemporaryDirectory(prefix: "lsqm-isolation-test")
        try XCTSkipUnless(Files.exists(BuildProducts.lsqm), "build the package first (swift build)")
    }

    override func tearDown() { Files.remove(scratch) }

    func manager(timeout: Duration = .seconds(20), http: HostHTTPService? = nil) -> PluginManager {
        PluginManager(
            directories: [PluginDirectory(url: scratch, origin: .flag)], isolation: .isolated,
            workerExecutable: BuildProducts.lsqm, cacheRoot: scratch.appendingPathComponent("cache"), callTimeout: timeout, http: http)
    }

    func callFailure(_ body: String, name: String, timeout: Duration = .seconds(20)) async throws -> LSQMError {
        let library = try await CPluginCompiler.compile(
            CPluginCompiler.notifierSource(name: name, notifyBody: body), name: name.lowercased(), into: scratch)
        let instance = try await manager(timeout: timeout).instantiate(path: library.path, config: [:])
        defer { Task { await instance.shutdown() } }
        do {
            _ = try await instance.call(.notify, request: "{}")
            XCTFail("the call should have failed")
            throw LSQMError(action: "test", cause: "no failure")
        } catch let error as LSQMError {
            return error
        }
    }

    func testSegfaultIsARecordedFailureAndTheHostGoesOn() async throws {
        let error = try await callFailure("volatile int *p = NULL; *p = 1; return LSQM_OK;", name: "Segfaulter")
        XCTAssertEqual(error.kind, .plugin)
        XCTAssertTrue(error.message.contains("notify with plugin Segfaulter"), error.message)
        XCTAssertTrue(error.message.contains("SIGSEGV"), error.message)
        XCTAssertEqual(error.code, .pluginCrashed)
        try await assertHostStillWorks()
    }

    func testAbortIsARecordedFailure() async throws {
        let error = try await callFailure("abort(); return LSQM_OK;", name: "Aborter")
        XCTAssertTrue(error.message.contains("SIGABRT"), error.message)
        try await assertHostStillWorks()
    }

    func testHangIsKilledAfterTheCallTimeout() async throws {
        let error = try await callFailure("for (;;) pause(); return LSQM_OK;", name: "Hanger", timeout: .seconds(2))
        XCTAssertTrue(error.message.contains("no answer within 2 s"), error.message)
        XCTAssertTrue(error.message.contains("Hanger"), error.message)
        XCTAssertEqual(error.code, .pluginTimedOut)
        try await assertHostStillWorks()
    }

    func testAPluginErrorObjectIsReportedAsIs() async throws {
        let body = #"*error_json = strdup("{\"error\":\"failed to reach the moon: too far\",\"retryable\":true}"); return LSQM_ERROR;"#
        let error = try await callFailure(body, name: "Failer")
        XCTAssertEqual(error.message, "failed to notify with plugin Failer: failed to reach the moon: too far")
        XCTAssertEqual(error.code, .pluginFailed)
        XCTAssertFalse(error.code.isPluginContractViolation)
    }

    /// After a plugin died, a good plugin still works: the run goes on.
    func assertHostStillWorks() async throws {
        let summary = scratch.appendingPathComponent("summary.json")
        let notifier = try await manager().instantiate(path: BuildProducts.plugin("FileNotifier").path, config: ["path": .string(summary.path)])
        let response = try await notifier.call(.notify, request: #"{"run_id":"r1","counts":{"total":1}}"#)
        await notifier.shutdown()
        XCTAssertTrue(response.contains("\"delivered\":true"), response)
        XCTAssertTrue(try String(contentsOf: summary, encoding: .utf8).contains("\"run_id\":\"r1\""))
    }

    func testWorkerEnvironmentHoldsNoSecretsAndHTTPGoesThroughTheHost() async throws {
        // The plugin reports whether it can see GITHUB_TOKEN, then asks the host for an HTTP request.
        let body = """
            static const lsqm_host_api *saved_api; static lsqm_host *saved_host;
            (void)saved_api;
            const char *token = getenv("GITHUB_TOKEN");
            char *resp = NULL, *err = NULL;
            if (!api_ref) return LSQM_ERROR;
            if (api_ref->http_request(host_ref, "{\\"url\\":\\"http://example.invalid/x\\"}", &resp, &err) != LSQM_OK) { *error_json = err; return LSQM_ERROR; }
            size_t n = strlen(resp) + 64; char *out = malloc(n);
            snprintf(out, n, "{\\"token_visible\\":%s,\\"http\\":%s}", token ? "true" : "false", resp);
            api_ref->free(host_ref, resp);
            *response_json = out; return LSQM_OK;
            """
        var source = CPluginCompiler.notifierSource(
            name: "Snoop", notifyBody: body, createBody: "api_ref = api; host_ref = host; *state = NULL; return LSQM_OK;")
        source = source.replacingOccurrences(
            of: "#include \"lsqm_plugin.h\"",
            with: "#include <stdio.h>\n#include \"lsqm_plugin.h\"\nstatic const lsqm_host_api *api_ref; static lsqm_host *host_ref;")
        let library = try await CPluginCompiler.compile(source, name: "snoop", into: scratch)
        setenv("GITHUB_TOKEN", "ghp_must_not_leak_123456", 1)
        defer { unsetenv("GITHUB_TOKEN") }
        let http = CannedHTTP(response: HTTPResponse(status: 200, headers: ["etag": "\"1\""], body: Data("pong".utf8)))
        let instance = try await manager(http: http).instantiate(path: library.path, config: [:])
        let response = try await instance.call(.notify, request: "{}")
        await instance.shutdown()
        XCTAssertTrue(response.contains("\"token_visible\":false"), response)
        XCTAssertTrue(response.contains("\"body\":\"pong\""), response)
        XCTAssertEqual(http.requests.map(\.url), ["http://example.invalid/x"])
    }

    /// A plugin's log lines (the host API's `log` callback) go through the host's log handler in both isolation
    /// modes: one line, stage `plugin`, the plugin named, its level kept, control characters escaped and secrets
    /// redacted — the plugin cannot write around any of it.
    func testPluginLogLinesGoThroughTheHostHandlerInBothModes() async throws {
        let secret = "xoxb-plugin-log-SECRET-123"
        let library = try await CPluginCompiler.compile(
            CPluginCompiler.notifierSource(
                name: "Chatty",
                createBody: "api->log(host, LSQM_LOG_WARNING, \"token \(secret)\\nsecond line\"); *state = NULL; return LSQM_OK;"),
            name: "chatty", into: scratch)
        for isolation in [PluginIsolation.isolated, .inProcess] {
            let lines = Mutex<[String]>([])
            let logger = Logger(format: .json, minimumLevel: .info, redactor: SecretRedactor(values: [secret])) { line in
                lines.withLock { $0.append(line) }
            }
            let manager = PluginManager(
                directories: [PluginDirectory(url: scratch, origin: .flag)], isolation: isolation, workerExecutable: BuildProducts.lsqm,
                cacheRoot: scratch.appendingPathComponent("cache"), logger: logger)
            let instance = try await manager.instantiate(path: library.path, config: [:])
            await instance.shutdown()

            let pluginLines = try lines.withLock { $0 }.map { try JSONCoding.decode(JSONValue.self, from: Data($0.utf8)) }
                .compactMap(\.objectValue).filter { $0["event"] == "plugin_log" }
            XCTAssertEqual(pluginLines.count, 1, "\(isolation): \(lines.withLock { $0 })")
            let line = try XCTUnwrap(pluginLines.first)
            XCTAssertEqual(line["stage"], "plugin")
            XCTAssertEqual(line["level"], "warning")
            XCTAssertEqual(line["plugin"], "Chatty")
            let message = try XCTUnwrap(line["message"]?.stringValue)
            XCTAssertTrue(message.hasPrefix("Chatty: token [REDACTED]"), "\(isolation): \(message)")
            XCTAssertFalse(message.contains("\n"), "one line: \(message)")
            XCTAssertFalse(lines.withLock { $0.joined() }.contains(secret))
        }
    }
}

/// An HTTP service that answers every request with one response and records what it was asked.
final class CannedHTTP: HostHTTPService, @unchecked Sendable {
    let response: HTTPResponse
    private let lock = NSLock()
    private var received: [HTTPRequest] = []
    init(response: HTTPResponse) { self.response = response }
    var requests: [HTTPRequest] { lock.withLock { received } }
    func perform(_ request: HTTPRequest, plugin: String) async throws -> HTTPResponse {
        lock.withLock { received.append(request) }
        return response
    }
}
