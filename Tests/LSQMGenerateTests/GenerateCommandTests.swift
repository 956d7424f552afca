import Foundation
import LSQMBasics
import LSQMCore
import LSQMTestSupport
import XCTest

@testable import LSQMGenerate

/// `lsqm generate` run as a process: configuration from the environment, the default generator, JSON output.
final class GenerateCommandTests: XCTestCase {
    let key = "sk-ant-cli-key-987654"

    func lsqm(_ arguments: [String], environment: [String: String]) async throws -> Subprocess.Result {
        guard Files.exists(BuildProducts.lsqm) else { throw XCTSkip("build the lsqm binary first (swift build)") }
        var env = SecretEnvironment.scrubbed()
        env.merge(environment) { _, new in new }
        return try await Subprocess.run([BuildProducts.lsqm.path] + arguments, environment: env, timeout: .seconds(300))
    }

    func testClaudeIsTheDefaultWithAKeyAndTheKeyNeverReachesTheOutput() async throws {
        let (store, ids) = try Fixture.store(Fixture.simpleArchitectures(["cli"]))
        defer { Files.remove(store.root) }
        let fake = try FakeAnthropicServer(script: [.rateLimited(retryAfter: "0"), .app(Fixture.goodApp())], expectedKey: key)
        let result = try await lsqm(
            ["generate", "--json", "--log-format", "json"],
            environment: [
                "ARTIFACT_REPO": store.root.path, "ANTHROPIC_API_KEY": key, "LSQM_ANTHROPIC_URL": fake.baseURL.absoluteString,
                "LSQM_MODEL": "claude-cli-model", "ANTHROPIC_TOKEN_BUDGET": "100000",
            ])
        XCTAssertEqual(result.exitCode, 0, result.stderr)
        let output = try JSONCoding.decode(GenerateStage.Output.self, from: Data(result.stdout.utf8))
        XCTAssertEqual(output.generator, .claude)
        XCTAssertEqual(output.model, "claude-cli-model")
        XCTAssertEqual(output.tokenBudget, 100_000)
        XCTAssertEqual(output.apps.map(\.status), [.generated])
        XCTAssertEqual(store.loadAppMetadata(ids[0])?.model, "claude-cli-model")
        XCTAssertFalse(result.stdout.contains(key) || result.stderr.contains(key))
        XCTAssertTrue(result.stderr.contains("claude_retry"), "the retry is logged: \(result.stderr)")
    }

    func testRulesAreTheDefaultWithoutAKey() async throws {
        let (store, _) = try Fixture.store(Fixture.simpleArchitectures(["offline"]))
        defer { Files.remove(store.root) }
        let result = try await lsqm(["generate", "--json"], environment: ["ARTIFACT_REPO": store.root.path])
        XCTAssertEqual(result.exitCode, 0, result.stderr)
        let output = try JSONCoding.decode(GenerateStage.Output.self, from: Data(result.stdout.utf8))
        XCTAssertEqual(output.generator, .rules)
        XCTAssertEqual(output.apps.map(\.status), [.generated])
    }

    func testAskingForClaudeWithoutAKeyIsAToolFailure() async throws {
        let (store, _) = try Fixture.store(Fixture.simpleArchitectures(["nokey"]))
        defer { Files.remove(store.root) }
        let result = try await lsqm(["generate", "--generator", "claude"], environment: ["ARTIFACT_REPO": store.root.path])
        XCTAssertEqual(result.exitCode, 2)
        XCTAssertTrue(result.stderr.contains("failed to generate with Claude: ANTHROPIC_API_KEY is not set"), result.stderr)
    }
}
