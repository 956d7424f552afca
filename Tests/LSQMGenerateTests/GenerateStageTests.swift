import Foundation
import LSQMBasics
import LSQMCore
import LSQMTestSupport
import Synchronization
import XCTest

@testable import LSQMGenerate

/// Collects log lines so tests can check what was (and was not) logged.
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])
    var text: String { lines.withLock { $0.joined() } }
    var logger: Logger {
        Logger(format: .json, minimumLevel: .debug, redactor: SecretRedactor(), sink: { [self] line in lines.withLock { $0.append(line) } })
    }
}

final class GenerateStageTests: XCTestCase {
    let key = "sk-ant-test-key-123456"

    func input(
        _ store: ArtifactStore, _ fake: FakeAnthropicServer, budget: Int = 500_000, maxTokens: Int = 4000,
        logger: Logger = .silent, architectures: [String] = []
    ) -> GenerateStage.Input {
        GenerateStage.Input(
            store: store, architectures: architectures, generator: .claude,
            claude: .init(
                apiKey: key, model: "claude-test-model", baseURL: fake.baseURL, maxTokens: maxTokens,
                backoff: Backoff(base: .milliseconds(10), cap: .milliseconds(50), maxAttempts: 4)),
            tokenBudget: budget, logger: logger)
    }

    func testGoodAppIsSavedWithMetadataAndThenKeptWhileCurrent() async throws {
        let (store, ids) = try Fixture.store(Fixture.simpleArchitectures(["alpha"]))
        defer { Files.remove(store.root) }
        let fake = try FakeAnthropicServer(script: [.app(Fixture.goodApp())], expectedKey: key)
        let capture = LogCapture()
        let output = try await GenerateStage.run(input(store, fake, logger: capture.logger))

        XCTAssertEqual(output.apps.map(\.status), [.generated])
        let metadata = try XCTUnwrap(store.loadAppMetadata(ids[0]))
        XCTAssertEqual(metadata.generator, "claude")
        XCTAssertEqual(metadata.model, "claude-test-model")
        XCTAssertEqual(metadata.promptVersion, TestAppPrompt.version)
        XCTAssertEqual(metadata.outputTokens, 900)
        XCTAssertGreaterThan(metadata.inputTokens, 100)
        XCTAssertEqual(output.inputTokens + output.outputTokens, metadata.inputTokens + metadata.outputTokens)
        XCTAssertEqual(metadata.appHash, output.apps[0].appHash)
        let saved = try String(contentsOf: store.appDirectory(ids[0]).appendingPathComponent("test_app.py"), encoding: .utf8)
        XCTAssertEqual(saved, Fixture.goodApp()["test_app_py"])

        // The request: headers, the forced tool, the Terraform and the output names in the prompt.
        let request = try XCTUnwrap(fake.messageRequests.first)
        XCTAssertEqual(request.headers["anthropic-version"], "2023-06-01")
        XCTAssertEqual(request.json?["tool_choice"]?["name"], "write_test_app")
        let prompt = request.json?["messages"]?.arrayValue?.first?["content"]?.stringValue ?? ""
        XCTAssertTrue(prompt.contains("resource \"aws_s3_bucket\" \"b\""), prompt)
        XCTAssertTrue(prompt.contains("Terraform outputs available to the tests (names): bucket"), prompt)
        XCTAssertFalse(capture.text.contains(key), "the API key must never be logged")

        // Second run: the app is current, nothing is sent.
        let again = try await GenerateStage.run(input(store, fake))
        XCTAssertEqual(again.apps.map(\.status), [.current])
        XCTAssertEqual(fake.messageRequests.count, 1)
    }

    func testSyntaxErrorGetsOneRepairThenTheArchitectureIsSkipped() async throws {
        let (store, ids) = try Fixture.store(Fixture.simpleArchitectures(["repaired", "hopeless"]))
        defer { Files.remove(store.root) }
        // Ids sort the run order; script the answers in that order.
        let names = try store.loadIndex().sorted.map(\.name)
        var script: [FakeAnthropicServer.Answer] = []
        for name in names {
            script +=
                name == "repaired" ? [.app(Fixture.brokenApp()), .app(Fixture.goodApp())] : [.app(Fixture.brokenApp()), .app(Fixture.brokenApp())]
        }
        let fake = try FakeAnthropicServer(script: script, expectedKey: key)
        let output = try await GenerateStage.run(input(store, fake))

        let byName = Dictionary(uniqueKeysWithValues: zip(names, output.apps))
        XCTAssertEqual(byName["repaired"]?.status, .generated)
        XCTAssertEqual(byName["repaired"]?.repaired, true)
        XCTAssertEqual(byName["hopeless"]?.status, .skipped)
        let reason = try XCTUnwrap(byName["hopeless"]?.reason)
        XCTAssertTrue(reason.contains("after one repair") && reason.contains("compile: test_app.py line 1"), reason)
        let index = try store.loadIndex()
        let hopeless = try XCTUnwrap(ids.first { index.architectures[$0]?.name == "hopeless" })
        XCTAssertNil(store.loadAppMetadata(hopeless), "a failing app is not saved")
        XCTAssertFalse(Files.exists(store.appDirectory(hopeless).appendingPathComponent("test_app.py")))
        XCTAssertEqual(fake.messageRequests.count, 4, "one first try and one repair each")

        // The repair continues the conversation: the tool call, then a tool_result quoting the error.
        let repair = try XCTUnwrap(fake.messageRequests[1].json?["messages"]?.arrayValue)
        XCTAssertEqual(repair.map { $0["role"]?.stringValue }, ["user", "assistant", "user"])
        let result = try XCTUnwrap(repair[2]["content"]?.arrayValue?.first)
        XCTAssertEqual(result["type"], "tool_result")
        XCTAssertEqual(result["is_error"], true)
        XCTAssertTrue(result["content"]?.stringValue?.contains("SyntaxError") == true, "\(result)")
    }

    func testLocalStackWorkaroundIsRejected() async throws {
        let (store, ids) = try Fixture.store(Fixture.simpleArchitectures(["workaround"]))
        defer { Files.remove(store.root) }
        let fake = try FakeAnthropicServer(script: [.app(Fixture.localStackApp()), .app(Fixture.localStackApp())], expectedKey: key)
        let output = try await GenerateStage.run(input(store, fake))
        XCTAssertEqual(output.apps.map(\.status), [.skipped])
        XCTAssertTrue(output.apps[0].reason?.contains("lint: conftest.py") == true, output.apps[0].reason ?? "")
        XCTAssertNil(store.loadAppMetadata(ids[0]))
        let quoted = fake.messageRequests[1].json?["messages"]?.arrayValue?[2]["content"]?.arrayValue?.first?["content"]?.stringValue ?? ""
        XCTAssertTrue(quoted.contains("hard-codes a local host"), quoted)
    }

    func testLintCatchesEachKindOfWorkaround() throws {
        func app(_ code: String) throws -> AppFiles {
            var files = Fixture.goodApp()
            files["app_py"] = code
            return try AppFiles.parse(.object(files.mapValues(JSONValue.string)))
        }
        for code in [
            "import os\nIS_LS = os.environ.get('LOCALSTACK_HOST')\n", "URL = 'http://127.0.0.1:4566'\n",
            "import boto3\nc = boto3.client('s3', endpoint_url=URL)\n", "URL = 'https://s3.us-east-1.amazonaws.com'\n",
            "HOST = 'edge:4566'\n",
        ] {
            XCTAssertNotNil(AppChecks.lint(try app(code)), code)
        }
        XCTAssertNil(AppChecks.lint(try app("import boto3\n")))
        var files = Fixture.goodApp()
        files["requirements_txt"] = "boto3\nrequests>=2\n"
        XCTAssertEqual(AppChecks.lint(try AppFiles.parse(.object(files.mapValues(JSONValue.string))))?.check, .lint)
    }

    func testAnswersThatAreNotTheFourFilesAreRepairedLikeFailedChecks() async throws {
        let (store, _) = try Fixture.store(Fixture.simpleArchitectures(["strict"]))
        defer { Files.remove(store.root) }
        var extra = Fixture.goodApp()
        extra["notes_md"] = "hi"
        let fake = try FakeAnthropicServer(script: [.toolInput(.object(extra.mapValues(JSONValue.string))), .text("Here you go!")], expectedKey: key)
        let output = try await GenerateStage.run(input(store, fake))
        XCTAssertEqual(output.apps.map(\.status), [.skipped])
        XCTAssertTrue(output.apps[0].reason?.contains("did not call write_test_app") == true, output.apps[0].reason ?? "")
        let quoted = fake.messageRequests[1].json?["messages"]?.arrayValue?[2]["content"]?.arrayValue?.first?["content"]?.stringValue ?? ""
        XCTAssertTrue(quoted.contains("unexpected notes_md"), quoted)
    }

    func testRateLimitAndOverloadAreRetriedHonouringRetryAfter() async throws {
        let (store, _) = try Fixture.store(Fixture.simpleArchitectures(["busy"]))
        defer { Files.remove(store.root) }
        let fake = try FakeAnthropicServer(script: [.rateLimited(retryAfter: "0"), .overloaded, .app(Fixture.goodApp())], expectedKey: key)
        let output = try await GenerateStage.run(input(store, fake))
        XCTAssertEqual(output.apps.map(\.status), [.generated])
        XCTAssertEqual(fake.messageRequests.count, 3)
        XCTAssertEqual(output.outputTokens, 900, "failed attempts cost nothing")
    }

    func testRetryAfterIsHonouredAsTheWait() async throws {
        let fake = try FakeAnthropicServer(script: [.rateLimited(retryAfter: "7"), .overloaded, .app(Fixture.goodApp())], expectedKey: key)
        let waits = Mutex<[Duration]>([])
        let client = ClaudeClient(
            apiKey: key, model: "m", baseURL: fake.baseURL,
            backoff: Backoff(base: .milliseconds(100), cap: .seconds(10), maxAttempts: 3),
            sleep: { duration in waits.withLock { $0.append(duration) } })
        let reply = try await client.call(system: "s", messages: [["role": "user", "content": "hi"]], tool: TestAppPrompt.tool)
        XCTAssertNotNil(reply.toolUse)
        let recorded = waits.withLock { $0 }
        XCTAssertEqual(recorded.count, 2)
        XCTAssertEqual(recorded.first, .seconds(7), "retry-after wins over the backoff")
        XCTAssertLessThanOrEqual(
            recorded.last ?? .zero, .milliseconds(200), "without retry-after: jittered backoff, at most base × 2 on the second retry")
    }

    /// A server that closes the connection after the request's head, never reading the prompt: the attempt
    /// ends within the client's timeout (it hung until an outer timeout before) and is retried like a 5xx.
    func testARequestWhoseBodyTheServerNeverReadIsRetried() async throws {
        let fake = try FakeAnthropicServer(script: [.app(Fixture.goodApp())], expectedKey: key, hangUps: 2)
        let client = ClaudeClient(
            apiKey: key, model: "m", baseURL: fake.baseURL,
            backoff: Backoff(base: .milliseconds(10), cap: .milliseconds(50), maxAttempts: 4), timeout: 2)
        let big = String(repeating: "resource \"aws_sqs_queue\" \"q\" {}\n", count: 20_000)  // ~700 KB: more than socket buffers hold
        let started = ContinuousClock.now
        let reply = try await client.call(system: "s", messages: [["role": "user", "content": .string(big)]], tool: TestAppPrompt.tool)
        XCTAssertNotNil(reply.toolUse)
        XCTAssertEqual(fake.remainingHangUps, 0, "both attempts were dropped")
        XCTAssertEqual(fake.messageRequests.count, 1, "the two dropped attempts never reached the handler")
        // Before the deadline was enforced, each dropped attempt took 60 s whatever the timeout.
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(10), "each dropped attempt ends at its 2 s timeout")
    }

    func testGivingUpAfterTheLastAttemptSaysSo() async throws {
        let fake = try FakeAnthropicServer(script: [.overloaded, .overloaded], expectedKey: key)
        let client = ClaudeClient(apiKey: key, model: "m", baseURL: fake.baseURL, backoff: Backoff(maxAttempts: 2), sleep: { _ in })
        do {
            _ = try await client.call(system: "s", messages: [["role": "user", "content": "hi"]], tool: TestAppPrompt.tool)
            XCTFail("expected an error")
        } catch let error as LSQMError {
            XCTAssertEqual(error.message, "failed to call the Claude API (m): HTTP 529: overloaded_error: Overloaded after 2 attempts")
        }
    }

    func testAuthenticationFailureIsAClearErrorWithoutTheKey() async throws {
        let (store, _) = try Fixture.store(Fixture.simpleArchitectures(["denied"]))
        defer { Files.remove(store.root) }
        let fake = try FakeAnthropicServer(script: [], expectedKey: "sk-ant-some-other-key")
        do {
            _ = try await GenerateStage.run(input(store, fake))
            XCTFail("expected an error")
        } catch let error as LSQMError {
            XCTAssertEqual(error.kind, .remote)
            XCTAssertTrue(error.message.contains("HTTP 401") && error.hint?.contains("ANTHROPIC_API_KEY") == true, error.description)
            XCTAssertFalse(error.description.contains(key))
        }
        XCTAssertEqual(fake.messageRequests.count, 1, "a 401 is not retried")
    }

    func testARefusedRequestSkipsThatArchitectureOnly() async throws {
        let (store, _) = try Fixture.store(Fixture.simpleArchitectures(["first", "second"]))
        defer { Files.remove(store.root) }
        let fake = try FakeAnthropicServer(
            script: [
                .error(status: 400, type: "invalid_request_error", message: "prompt is too long"),
                .app(Fixture.goodApp()),
            ], expectedKey: key)
        let output = try await GenerateStage.run(input(store, fake))
        XCTAssertEqual(output.apps.map(\.status), [.skipped, .generated])
        XCTAssertTrue(output.apps[0].reason?.contains("HTTP 400: invalid_request_error: prompt is too long") == true, output.apps[0].reason ?? "")
    }

    func testBudgetStopsBeforeACallThatCouldExceedIt() async throws {
        let (store, _) = try Fixture.store(Fixture.simpleArchitectures(["one", "two", "three", "four"]))
        defer { Files.remove(store.root) }
        let perCallUsage = 1000 + 900
        let fake = try FakeAnthropicServer(script: Array(repeating: .app(Fixture.goodApp()), count: 4), expectedKey: key, inputTokens: 1000)
        // Each call is estimated at its prompt plus max_tokens; leave room for two calls but not a third.
        let architecture = try XCTUnwrap(store.loadIndex().sorted.first)
        let messages = try XCTUnwrap(
            GenerateStage.Run.firstMessages(
                architecture, TerraformFacts.scan(directory: store.terraformDirectory(architecture.id)),
                directory: store.terraformDirectory(architecture.id)))
        let estimate = GenerateStage.Run.estimateTokens(messages: messages) + 4000
        let capture = LogCapture()
        let output = try await GenerateStage.run(input(store, fake, budget: estimate + perCallUsage + perCallUsage / 2, logger: capture.logger))

        XCTAssertEqual(output.apps.map(\.status), [.generated, .generated, .left, .left])
        XCTAssertTrue(output.budgetExhausted)
        XCTAssertEqual(output.left, 2)
        XCTAssertEqual(fake.messageRequests.count, 2, "no call is made once the budget could be exceeded")
        XCTAssertLessThanOrEqual(output.inputTokens + output.outputTokens, output.tokenBudget)
        XCTAssertTrue(capture.text.contains("token budget exhausted") && capture.text.contains("2 architectures left"), capture.text)
        let record = try JSONCoding.decode(GenerateStage.Output.self, from: Files.read(GenerateStage.recordFile(store)))
        XCTAssertEqual(record, output, "the run is recorded in apps/generation.json")
    }

    func testRulesGeneratorSavesDeterministicAppsAndSkipsWhatItCannotTest() async throws {
        let unsupported: (name: String, files: [(path: String, content: Data)]) =
            ("vpc-only", [("main.tf", Data("resource \"aws_vpc\" \"v\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n".utf8))])
        let (store, _) = try Fixture.store(Fixture.simpleArchitectures(["ruled"]) + [unsupported])
        defer { Files.remove(store.root) }
        let names = try store.loadIndex().sorted.map(\.name)
        let output = try await GenerateStage.run(GenerateStage.Input(store: store, generator: .rules))
        let byName = Dictionary(uniqueKeysWithValues: zip(names, output.apps))
        XCTAssertEqual(byName["ruled"]?.status, .generated)
        XCTAssertEqual(byName["ruled"]?.tests, 1)
        XCTAssertEqual(byName["vpc-only"]?.status, .skipped)
        XCTAssertTrue(byName["vpc-only"]?.reason?.contains("no resource type the rules can test") == true, byName["vpc-only"]?.reason ?? "")
        XCTAssertEqual(output.inputTokens + output.outputTokens, 0)

        let again = try await GenerateStage.run(GenerateStage.Input(store: store, generator: .rules))
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: zip(names, again.apps))["ruled"]?.status, .current)
    }

    func testAppIsRegeneratedWhenTheNormalizedTerraformChanges() async throws {
        let (store, ids) = try Fixture.store(Fixture.simpleArchitectures(["renormalized"]))
        defer { Files.remove(store.root) }
        _ = try await GenerateStage.run(GenerateStage.Input(store: store, generator: .rules))
        XCTAssertEqual(store.loadAppMetadata(ids[0])?.terraformHash, store.terraformHash(ids[0]))
        XCTAssertNotNil(store.terraformHash(ids[0]))
        // A normalizer change rewrites the stored Terraform of the same architecture (same original files).
        try AtomicFile.write(
            Data("resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"renamed\"\n}\n\noutput \"bucket\" {\n  value = aws_s3_bucket.b.bucket\n}\n".utf8),
            to: store.terraformDirectory(ids[0]).appendingPathComponent("main.tf"))
        let again = try await GenerateStage.run(GenerateStage.Input(store: store, generator: .rules))
        XCTAssertEqual(again.apps.map(\.status), [.generated])
        XCTAssertEqual(store.loadAppMetadata(ids[0])?.terraformHash, store.terraformHash(ids[0]))
        let unchanged = try await GenerateStage.run(GenerateStage.Input(store: store, generator: .rules))
        XCTAssertEqual(unchanged.apps.map(\.status), [.current])
    }

    func testClaudeReplacesRulesAppsAndANewPromptVersionRegenerates() async throws {
        let (store, ids) = try Fixture.store(Fixture.simpleArchitectures(["upgrade"]))
        defer { Files.remove(store.root) }
        _ = try await GenerateStage.run(GenerateStage.Input(store: store, generator: .rules))
        XCTAssertEqual(store.loadAppMetadata(ids[0])?.generator, "rules")
        let fake = try FakeAnthropicServer(script: [.app(Fixture.goodApp()), .app(Fixture.goodApp(bucketCheck: "assert buckets"))], expectedKey: key)
        _ = try await GenerateStage.run(input(store, fake))
        XCTAssertEqual(store.loadAppMetadata(ids[0])?.generator, "claude")
        // A rules run keeps the Claude app.
        let rules = try await GenerateStage.run(GenerateStage.Input(store: store, generator: .rules))
        XCTAssertEqual(rules.apps.map(\.status), [.current])

        // An app made with another prompt version is regenerated.
        var metadata = try XCTUnwrap(store.loadAppMetadata(ids[0]))
        let firstHash = metadata.appHash
        metadata.promptVersion = "0-old"
        try AtomicFile.writeJSON(metadata, to: store.appDirectory(ids[0]).appendingPathComponent("metadata.json"))
        let regenerated = try await GenerateStage.run(input(store, fake))
        XCTAssertEqual(regenerated.apps.map(\.status), [.generated])
        XCTAssertEqual(store.loadAppMetadata(ids[0])?.promptVersion, TestAppPrompt.version)
        XCTAssertNotEqual(store.loadAppMetadata(ids[0])?.appHash, firstHash)
    }

    func testChecksRunWithoutSecretsInTheChildEnvironment() async throws {
        setenv("ANTHROPIC_API_KEY", key, 1)
        defer { unsetenv("ANTHROPIC_API_KEY") }
        try await Files.withTemporaryDirectory(prefix: "lsqm-env-probe") { directory in
            let probe = directory.appendingPathComponent("env.json").path
            var files = Fixture.goodApp()
            files["app_py"] = "import json, os\njson.dump(sorted(os.environ), open(\(Python.string(probe)), 'w'))\n" + (files["app_py"] ?? "")
            _ = try await AppChecks().run(try AppFiles.parse(.object(files.mapValues(JSONValue.string))))
            let names = try JSONCoding.decode([String].self, from: Files.read(URL(fileURLWithPath: probe)))
            XCTAssertTrue(names.contains("AWS_ENDPOINT_URL"))
            XCTAssertFalse(names.contains("ANTHROPIC_API_KEY"))
        }
    }

    func testUnknownArchitectureIsAUsageError() async throws {
        let (store, _) = try Fixture.store(Fixture.simpleArchitectures(["only"]))
        defer { Files.remove(store.root) }
        do {
            _ = try await GenerateStage.run(GenerateStage.Input(store: store, architectures: ["ffff"], generator: .rules))
            XCTFail("expected an error")
        } catch let error as LSQMError {
            XCTAssertEqual(error.kind, .usage)
        }
    }
}
