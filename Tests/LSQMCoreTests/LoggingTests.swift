import Foundation
import LSQMBasics
import Logging
import XCTest

/// lsqm's line formats and redaction as a swift-log `LogHandler`: what the facade logs and what any swift-log
/// logger on the same output logs come out in the same shape, secrets redacted.
final class LoggingTests: XCTestCase {
    let secret = "ghp_0123456789abcdefSECRET"

    func capture(_ format: LogFormat, level: LogLevel = .info) -> (LogOutput, Locked<[String]>) {
        let lines = Locked<[String]>([])
        let output = LogOutput(format: format, minimumLevel: level, redactor: SecretRedactor(values: [secret])) { line in
            lines.withLock { $0.append(line) }
        }
        return (output, lines)
    }

    func objects(_ lines: Locked<[String]>) throws -> [[String: JSONValue]] {
        try lines.withLock { $0 }.map { line in
            XCTAssertTrue(line.hasSuffix("\n"), line)
            return try XCTUnwrap(JSONCoding.decode(JSONValue.self, from: Data(line.utf8)).objectValue, line)
        }
    }

    func testJSONLinesCarryStageEventTimingErrorAndFields() throws {
        let (output, lines) = capture(.json)
        let logger = Logger(output: output)
        logger.info("mine", "source_done", "indexed 3", fields: ["count": 3, "source": "GitHubOrgSource", "ok": true])
        logger.log(
            .error, stage: "validate", event: "failed", durationMs: 1500,
            error: LSQMError(.usage, action: "read config", cause: "no such file", hint: "check --config"))
        logger.debug("mine", "dropped", "below the level")

        let logged = try objects(lines)
        XCTAssertEqual(logged.count, 2, "debug lines are dropped at info level")
        XCTAssertEqual(logged[0]["level"], "info")
        XCTAssertEqual(logged[0]["stage"], "mine")
        XCTAssertEqual(logged[0]["event"], "source_done")
        XCTAssertEqual(logged[0]["message"], "indexed 3")
        XCTAssertEqual(logged[0]["count"], JSONValue.number(3), "a number field stays a number")
        XCTAssertEqual(logged[0]["ok"], JSONValue.bool(true))
        XCTAssertEqual(logged[0]["source"], "GitHubOrgSource")
        XCTAssertNotNil(logged[0]["ts"]?.stringValue)
        XCTAssertNil(logged[0]["duration_ms"])

        XCTAssertEqual(logged[1]["level"], "error")
        XCTAssertNil(logged[1]["message"], "no message, no key")
        XCTAssertEqual(logged[1]["duration_ms"], JSONValue.number(1500))
        XCTAssertEqual(logged[1]["error"], ["type": "usage", "message": "failed to read config: no such file", "hint": "check --config"])
    }

    func testHumanLinesReadAsProgress() {
        let (output, lines) = capture(.human, level: .debug)
        let logger = Logger(output: output)
        logger.info("sync", "pulled", "pulled 2 commits")
        logger.info("push", "nothing_to_push")
        logger.log(.warning, stage: "validate", event: "slow", message: "took long", durationMs: 61_500)
        logger.debug("mine", "detail", "a detail", fields: ["n": 1])
        XCTAssertEqual(
            lines.withLock { $0 },
            [
                "[sync] pulled 2 commits\n", "[push] nothing to push\n", "[validate] warning: took long (1 min 1 s)\n",
                "[mine] a detail {\"n\":1}\n",
            ])
    }

    /// Redaction sits in the handler: a secret in a message, a field or an error is gone whichever logger wrote
    /// it, lsqm's facade or a plain swift-log `Logger` (as a library would) on the same output.
    func testSecretsAreRedactedOnEveryPath() throws {
        for format in LogFormat.allCases {
            let (output, lines) = capture(format)
            let logger = Logger(output: output)
            logger.info("mine", "token", "token is \(secret)", fields: ["header": .string("Bearer \(secret)")])
            logger.warning("notify", "failed", error: LSQMError(.remote, action: "post", cause: "rejected \(secret)"))
            var library = Logging.Logger(label: "some.library") { output.handler(label: $0) }
            library[metadataKey: "auth"] = "\(secret)"
            library.info("connected with \(secret)", metadata: ["url": "https://x:\(secret)@host"])

            let all = lines.withLock { $0 }
            XCTAssertEqual(all.count, 3, "\(format): \(all)")
            XCTAssertFalse(all.joined().contains(secret), "\(format): \(all)")
            XCTAssertTrue(all.joined().contains("[REDACTED]"), "\(format): \(all)")
        }
    }

    /// A swift-log logger that is not lsqm's facade is named by its label and keeps its metadata as fields.
    func testAPlainSwiftLogLoggerWritesTheSameLines() throws {
        let (output, lines) = capture(.json)
        let library = Logging.Logger(label: "async-http-client") { output.handler(label: $0) }
        library.notice("pool ready", metadata: ["connections": "4"])
        library.trace("not shown")
        let logged = try objects(lines)
        XCTAssertEqual(logged.count, 1)
        XCTAssertEqual(logged[0]["stage"], "async-http-client")
        XCTAssertEqual(logged[0]["event"], "log")
        XCTAssertEqual(logged[0]["level"], "info")
        XCTAssertEqual(logged[0]["message"], "pool ready")
        XCTAssertEqual(logged[0]["connections"], "4")
    }

    /// Reconfiguring an output (Application adds the config file's secrets) applies to loggers made before.
    func testReconfiguringAnOutputReachesExistingLoggers() {
        let (output, lines) = capture(.human)
        let logger = Logger(output: output)
        output.configure(format: .human, minimumLevel: .info, redactor: SecretRedactor(values: ["late-secret-value"]))
        logger.info("sync", "x", "late-secret-value and \(secret)")
        XCTAssertEqual(lines.withLock { $0 }, ["[sync] [REDACTED] and \(secret)\n"])
    }
}
