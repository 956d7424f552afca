import Foundation
import LSQMBasics
import LSQMHost
import LSQMTestSupport
import XCTest

/// `plugins check` holds answers to the message schemas and reports destroy honestly (issue 15, item 6).
final class PluginCheckTests: XCTestCase {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = try Files.makeTemporaryDirectory(prefix: "lsqm-check-test")
        try XCTSkipUnless(Files.exists(BuildProducts.lsqm), "build the package first (swift build)")
    }

    override func tearDown() { Files.remove(scratch) }

    func check(_ name: String, kind: String = "LSQM_KIND_SOURCE", body: String, destroy: String = "(void)state;") async throws -> PluginCheckReport {
        let source = CPluginCompiler.notifierSource(name: name, notifyBody: body, kind: kind)
            .replacingOccurrences(
                of: "static void c_destroy(void *state) { (void)state; }", with: "static void c_destroy(void *state) { \(destroy) }"
            )
            .replacingOccurrences(of: "#include \"lsqm_plugin.h\"", with: "#include <stdio.h>\n#include \"lsqm_plugin.h\"")
        let library = try await CPluginCompiler.compile(source, name: name.lowercased(), into: scratch)
        let manager = PluginManager(
            directories: [], workerExecutable: BuildProducts.lsqm, cacheRoot: scratch.appendingPathComponent("cache"),
            callTimeout: .seconds(30))
        return await manager.check(path: library.path)
    }

    func step(_ report: PluginCheckReport, _ name: String) -> PluginCheckReport.Step? { report.steps.first { $0.name == name } }

    func testAnswersOutsideTheSchemaFailTheCheck() async throws {
        let array = try await check("ArrayAnswer", body: #"*response_json = strdup("[]"); return LSQM_OK;"#)
        XCTAssertFalse(array.passed)
        XCTAssertTrue(step(array, "round-trip")?.detail.contains("an array, not an object") ?? false, "\(array.steps)")

        let null = try await check("NullAnswer", body: "return LSQM_OK;")
        XCTAssertEqual(step(null, "round-trip")?.passed, false)
        XCTAssertTrue(step(null, "round-trip")?.detail.contains("without a response") ?? false, "\(null.steps)")

        let item = #"{\"source_url\":\"x://%d\",\"name\":\"n\",\"files\":[{\"path\":\"main.tf\",\"content\":\"\"}]}"#
        let tooMany = try await check(
            "TooMany",
            body: """
                char buf[1024]; snprintf(buf, sizeof buf, "{\\"architectures\\":[\(item),\(item),\(item)]}", 1, 2, 3);
                *response_json = strdup(buf); return LSQM_OK;
                """)
        XCTAssertTrue(step(tooMany, "round-trip")?.detail.contains("3 architectures for a request with limit 1") ?? false, "\(tooMany.steps)")

        let badPath = try await check(
            "BadPath",
            body:
                #"*response_json = strdup("{\"architectures\":[{\"source_url\":\"x://1\",\"name\":\"n\",\"files\":[{\"path\":\"../up\",\"content\":\"\"}]}]}"); return LSQM_OK;"#
        )
        XCTAssertTrue(step(badPath, "round-trip")?.detail.contains("'..'") ?? false, "\(badPath.steps)")
    }

    func testACrashInDestroyFailsTheDestroyStep() async throws {
        let report = try await check(
            "BadDestroy", kind: "LSQM_KIND_NOTIFIER", body: #"*response_json = strdup("{\"delivered\":true}"); return LSQM_OK;"#,
            destroy: "(void)state; volatile int *p = NULL; *p = 1;")
        XCTAssertEqual(step(report, "round-trip")?.passed, true, "\(report.steps)")
        XCTAssertEqual(step(report, "destroy")?.passed, false)
        XCTAssertTrue(step(report, "destroy")?.detail.contains("SIGSEGV") ?? false, "\(report.steps)")
    }

    func testAConformingPluginPassesAndTheLimitsAreReported() async throws {
        // A notifier may leave the response NULL on success: that is delivered, per the header.
        let report = try await check("Quiet", kind: "LSQM_KIND_NOTIFIER", body: "return LSQM_OK;")
        XCTAssertTrue(report.passed, "\(report.steps)")
        XCTAssertEqual(report.limits?.callTimeoutSeconds, 30)
        XCTAssertEqual(report.limits?.maxFileBytes, 10 << 20)
        XCTAssertEqual(report.limits?.describeTimeoutSeconds, 30)
    }
}
