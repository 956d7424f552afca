import Foundation
import LSQMBasics
import LSQMTemplates
import LSQMTestSupport
import XCTest

/// The GitHub Actions workflows: the weekly job graph, and every secret the code reads is wired in.
final class WorkflowTests: XCTestCase {
    let root = BuildProducts.packageRoot

    func load(_ name: String) throws -> JSONValue {
        try TemplateYAML.load(try Files.read(root.appendingPathComponent(".github/workflows/\(name)")))
    }

    func needs(_ job: JSONValue?) -> Set<String> {
        if let single = job?["needs"]?.stringValue { return [single] }
        return Set(job?["needs"]?.arrayValue?.compactMap(\.stringValue) ?? [])
    }

    func testWeeklyScheduleAndJobGraph() throws {
        let workflow = try load("weekly.yml")
        // YAML 1.1 reads a bare `on` as true; GitHub reads it as the key "on". Accept both spellings.
        let triggers = workflow["on"] ?? workflow["true"]
        XCTAssertEqual(triggers?["schedule"]?.arrayValue?.first?["cron"]?.stringValue, "0 0 * * 0")
        XCTAssertNotNil(triggers?["workflow_dispatch"])
        XCTAssertNotNil(workflow["concurrency"]?["group"]?.stringValue)
        let jobs = try XCTUnwrap(workflow["jobs"]?.objectValue)
        XCTAssertEqual(Set(jobs.keys), ["build", "mine", "validate", "finalize"])
        XCTAssertEqual(needs(jobs["mine"]), ["build"])
        XCTAssertTrue(needs(jobs["validate"]).contains("mine"))
        XCTAssertTrue(needs(jobs["finalize"]).isSuperset(of: ["validate", "mine"]))
        XCTAssertNotNil(jobs["validate"]?["strategy"]?["matrix"]?["shard"], "validation runs as a matrix of shards")
        let validateRun = jobs["validate"]?["steps"]?.arrayValue?.compactMap { $0["run"]?.stringValue }.joined() ?? ""
        XCTAssertTrue(validateRun.contains("--shard"), validateRun)
        let finalizeRun = jobs["finalize"]?["steps"]?.arrayValue?.compactMap { $0["run"]?.stringValue }.joined() ?? ""
        for command in ["merge", "report", "push", "notify"] {
            XCTAssertTrue(finalizeRun.contains("lsqm \(command)"), "finalize runs lsqm \(command)")
        }
    }

    /// The optional `candidate` input adds a second target to every shard and gates the run on it; the input
    /// reaches the scripts through the environment, never pasted into them as shell text.
    func testCandidateInputAddsASecondTargetAndTheGate() throws {
        let workflow = try load("weekly.yml")
        let triggers = workflow["on"] ?? workflow["true"]
        XCTAssertEqual(triggers?["workflow_dispatch"]?["inputs"]?["candidate"]?["required"]?.boolValue, false)
        XCTAssertEqual(workflow["env"]?["CANDIDATE"]?.stringValue, "${{ github.event.inputs.candidate || '' }}")
        let jobs = try XCTUnwrap(workflow["jobs"]?.objectValue)
        let scripts = ["validate", "finalize"].map { job in jobs[job]?["steps"]?.arrayValue?.compactMap { $0["run"]?.stringValue }.joined() ?? "" }
        XCTAssertTrue(scripts[0].contains(#"--target "docker:localstack/localstack:$CANDIDATE""#), scripts[0])
        XCTAssertTrue(scripts[0].contains("--target docker"), "the release keeps its target name and baselines")
        XCTAssertTrue(scripts[1].contains(#"lsqm compare --targets docker "$candidate""#), scripts[1])
        XCTAssertFalse(scripts.joined().contains("inputs.candidate"), "never expanded into a script")
    }

    /// Every secret environment variable the sources read must be passed from `secrets.*` in the weekly workflow.
    func testEverySecretTheCodeReadsIsWired() throws {
        let text = try String(contentsOf: root.appendingPathComponent(".github/workflows/weekly.yml"), encoding: .utf8)
        var read: Set<String> = []
        let sources =
            Files.regularFiles(under: root.appendingPathComponent("Sources"))
            + Files.regularFiles(under: root.appendingPathComponent("Plugins")).map { "../Plugins/\($0)" }
        for path in sources where path.hasSuffix(".swift") {
            let code = try String(contentsOf: root.appendingPathComponent("Sources").appendingPathComponent(path), encoding: .utf8)
            for name in SecretEnvironment.names where code.contains("\"\(name)\"") { read.insert(name) }
        }
        XCTAssertTrue(read.isSuperset(of: ["ANTHROPIC_API_KEY", "GITHUB_TOKEN", "SLACK_WEBHOOK_URL", "LOCALSTACK_AUTH_TOKEN"]), "\(read)")
        for name in read where name != "GH_TOKEN" {
            XCTAssertTrue(text.contains("\(name): ${{ secrets."), "\(name) is read by the code but not wired from secrets in weekly.yml")
        }
    }

    func testCIWorkflowRunsTheCIScript() throws {
        let workflow = try load("ci.yml")
        let steps = workflow["jobs"]?["test"]?["steps"]?.arrayValue ?? []
        XCTAssertTrue(steps.contains { $0["run"]?.stringValue?.contains(".ci/run") ?? false })
    }
}
