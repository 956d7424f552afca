import Foundation
import LSQMBasics
import LSQMCore
import LSQMTemplates
import LSQMTestSupport
import XCTest

/// The lsqm binary, end to end.
final class CommandLineTests: XCTestCase {
    var scratch: URL!

    override func setUpWithError() throws {
        scratch = try Files.makeTemporaryDirectory(prefix: "lsqm-cli-test")
        try XCTSkipUnless(Files.exists(BuildProducts.lsqm), "build the package first (swift build)")
    }

    override func tearDown() { Files.remove(scratch) }

    func testPluginsListShowsSwiftAndCPluginsLoadedFromSharedLibraries() async throws {
        let result = try await LSQMProcess.run(["plugins", "list", "--json"])
        XCTAssertEqual(result.exitCode, 0, result.stderr)
        let listings = try XCTUnwrap(try JSONCoding.decode(JSONValue.self, from: Data(result.stdout.utf8)).arrayValue)
        for listing in listings {
            for key in ["name", "kind", "version", "abi", "path", "loaded", "error"] {
                XCTAssertNotNil(listing.objectValue?[key], "key \(key) in \(listing)")
            }
        }
        let loaded = listings.filter { $0["loaded"]?.boolValue == true }
        XCTAssertTrue(loaded.contains { $0["name"]?.stringValue == "FileNotifier" && ($0["path"]?.stringValue ?? "").hasSuffix(".so") })
        XCTAssertTrue(loaded.contains { $0["name"]?.stringValue == "LocalDirectorySource" && ($0["path"]?.stringValue ?? "").hasSuffix(".so") })
    }

    /// The README writes global options before the subcommand (`lsqm --plugin-dir X plugins list`); argument-parser
    /// only reads them after it, so lsqm moves them there. Every global option is used here, each in the form that
    /// could trip the move (`--opt value`, `--opt=value`, flags).
    func testGlobalOptionsWorkBeforeTheSubcommand() async throws {
        let extra = try await CPluginCompiler.compile(
            CPluginCompiler.notifierSource(name: "Extra", notifyBody: "return LSQM_OK;"),
            name: "extra", into: scratch)
        let config = scratch.appendingPathComponent("lsqm.yaml")
        try Data("parallel: 2\n".utf8).write(to: config)
        let result = try await LSQMProcess.run([
            "--plugin-dir", extra.deletingLastPathComponent().path, "--config=\(config.path)",
            "-v", "--dry-run", "--parallel", "3", "--localstack-version", "4.14.0",
            "--log-format", "json", "plugins", "list", "--json",
        ])
        XCTAssertEqual(result.exitCode, 0, result.stderr)
        let listings = try XCTUnwrap(try JSONCoding.decode(JSONValue.self, from: Data(result.stdout.utf8)).arrayValue)
        XCTAssertTrue(listings.contains { $0["name"]?.stringValue == "Extra" && $0["loaded"]?.boolValue == true }, result.stdout)
        // An unknown option before the subcommand is still argument-parser's usage error, not silently moved.
        let unknown = try await LSQMProcess.run(["--no-such-option", "plugins", "list"])
        XCTAssertNotEqual(unknown.exitCode, 0)
    }

    func testPluginsCheckPassesAGoodPluginAndFailsACrashingOne() async throws {
        let good = try await LSQMProcess.run([
            "plugins", "check", BuildProducts.plugin("FileNotifier").path,
            "--plugin-config", #"{"path":"\#(scratch.path)/s.json"}"#,
        ])
        XCTAssertEqual(good.exitCode, 0, good.stdout + good.stderr)
        XCTAssertTrue(good.stdout.contains("PASS  round-trip"), good.stdout)
        let crasher = try await CPluginCompiler.compile(
            CPluginCompiler.notifierSource(name: "Crash", notifyBody: "abort(); return LSQM_OK;"),
            name: "crash", into: scratch)
        let bad = try await LSQMProcess.run(["plugins", "check", crasher.path])
        XCTAssertEqual(bad.exitCode, 1, bad.stdout + bad.stderr)
        XCTAssertTrue(bad.stdout.contains("FAIL  round-trip"), bad.stdout)
        XCTAssertTrue(bad.stdout.contains("SIGABRT"), bad.stdout)
    }

    /// `lsqm normalize`: a failed translation exits non-zero with one clear line (and still prints its record);
    /// needs_input is no failure, and says what only the author can give.
    func testNormalizeExitCodeFollowsTheStatus() async throws {
        let failed = scratch.appendingPathComponent("failed")
        try AtomicFile.write(
            "AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\nResources:\n",
            to: failed.appendingPathComponent("template.yaml"))
        let failure = try await LSQMProcess.run(["normalize", failed.path, "--out", scratch.appendingPathComponent("out-failed").path, "--json"])
        XCTAssertEqual(failure.exitCode, 2, failure.stdout + failure.stderr)
        XCTAssertTrue(failure.stderr.contains("lsqm: failed to normalize \(failed.path): no CloudFormation template"), failure.stderr)
        XCTAssertEqual(try JSONCoding.decode(JSONValue.self, from: Data(failure.stdout.utf8))["status"]?.stringValue, "failed")

        let needs = scratch.appendingPathComponent("needs")
        try AtomicFile.write(
            """
            Parameters:
              KeyName: {Type: "AWS::EC2::KeyPair::KeyName"}
              ExistingRoleArn: {Type: String}
            Resources:
              Queue: {Type: AWS::SQS::Queue, Properties: {Tags: [{Key: role, Value: !Ref ExistingRoleArn}, {Key: key, Value: !Ref KeyName}]}}
            """, to: needs.appendingPathComponent("template.yaml"))
        let out = scratch.appendingPathComponent("out-needs")
        let result = try await LSQMProcess.run(["normalize", needs.path, "--out", out.path])
        XCTAssertEqual(result.exitCode, 0, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("cloudformation → Terraform: needs_input"), result.stdout)
        XCTAssertTrue(result.stdout.contains("input: ExistingRoleArn = (needed from the template's author)"), result.stdout)
        XCTAssertTrue(result.stdout.contains("input: KeyName = aws_key_pair.prerequisite_key_name.key_name"), result.stdout)
        XCTAssertTrue(Files.exists(out.appendingPathComponent("lsqm_prerequisites.tf")))
    }

    func testToolFailuresAreOneClearLineAndExit2() async throws {
        let repo = scratch.appendingPathComponent("repo")
        let sync = try await LSQMProcess.run(["sync"], environment: ["ARTIFACT_REPO": repo.path])
        XCTAssertEqual(sync.exitCode, 0, sync.stderr)
        let merge = try await LSQMProcess.run(["merge"], environment: ["ARTIFACT_REPO": repo.path])
        XCTAssertEqual(merge.exitCode, 2)
        XCTAssertTrue(merge.stderr.contains("lsqm: failed to merge runs: no run folders were given"), merge.stderr)
        let status = try await LSQMProcess.run(["status"], environment: ["ARTIFACT_REPO": scratch.appendingPathComponent("nothing").path])
        XCTAssertEqual(status.exitCode, 2)
        XCTAssertTrue(status.stderr.contains("it is not an lsqm artifact repository yet"), status.stderr)
        XCTAssertTrue(status.stderr.contains("hint: run 'lsqm sync'"), status.stderr)
    }

    /// Mine fails as a stage only when every source failed, and then says which and why.
    func testMineFailsWhenEverySourceFailed() async throws {
        let config = scratch.appendingPathComponent("lsqm.yml")
        try AtomicFile.write("sources:\n  - name: GitHubOrgSource\n    config: {orgs: [aws-samples]}\n", to: config)
        // Nothing listens on port 1: the one source cannot list anything.
        let env = [
            "ARTIFACT_REPO": scratch.appendingPathComponent("repo").path, "LSQM_CACHE_DIR": scratch.appendingPathComponent("cache").path,
            "LSQM_GITHUB_API_URL": "http://127.0.0.1:1", "LSQM_GITHUB_RAW_URL": "http://127.0.0.1:1",
        ]
        let result = try await LSQMProcess.run(["mine", "--config", config.path], environment: env)
        XCTAssertEqual(result.exitCode, 2, result.stderr)
        XCTAssertTrue(result.stderr.contains("failed to mine: every source failed: GitHubOrgSource: "), String(result.stderr.suffix(1500)))
    }

    /// Bad input of every kind is exit 2 with one `lsqm: failed to …` line (never argument-parser's 64 or 1,
    /// the code reserved for regressions); help is still exit 0.
    func testBadInputsExit2WithOneLineAndHelpExits0() async throws {
        let config = scratch.appendingPathComponent("lsqm.yml")
        try AtomicFile.write("paralel: 8\n", to: config)
        let typo = try await LSQMProcess.run(["config", "show", "--config", config.path])
        XCTAssertEqual(typo.exitCode, 2, typo.stderr)
        XCTAssertTrue(typo.stderr.hasPrefix("lsqm: failed to load config \(config.path): unknown key 'paralel'"), typo.stderr)
        XCTAssertTrue(typo.stderr.contains("hint: did you mean 'parallel'?"), typo.stderr)

        try AtomicFile.write("localstack_version: latest\n", to: config)
        let latest = try await LSQMProcess.run(["config", "show", "--config", config.path])
        XCTAssertEqual(latest.exitCode, 2, latest.stderr)
        XCTAssertTrue(latest.stderr.contains("localstack_version must be a pinned version"), latest.stderr)
        let range = try await LSQMProcess.run(["config", "show"], environment: ["LSQM_PARALLEL": "5000"])
        XCTAssertEqual(range.exitCode, 2, range.stderr)
        XCTAssertTrue(range.stderr.contains("parallel must be between 1 and 64 (got 5000)"), range.stderr)

        for arguments in [["statuz"], ["status", "--no-such-flag"], ["validate", "--parallel", "0"]] {
            let usage = try await LSQMProcess.run(arguments)
            XCTAssertEqual(usage.exitCode, 2, "\(arguments): \(usage.stderr)")
            XCTAssertTrue(usage.stderr.hasPrefix("lsqm: failed to read the command line: "), usage.stderr)
            XCTAssertEqual(usage.stderr.split(separator: "\n").count, 2, "one line and its hint: \(usage.stderr)")
            XCTAssertEqual(usage.stdout, "")
        }
        let help = try await LSQMProcess.run(["status", "--help"])
        XCTAssertEqual(help.exitCode, 0, help.stderr)
        XCTAssertTrue(help.stdout.contains("USAGE"), help.stdout)
    }

    /// A Slack webhook that answers 500: the notifier's failure is reported, and the webhook's secret part
    /// appears nowhere on stdout or stderr — not raw, not percent-encoded — even when the variable carries a
    /// trailing newline (as `$(cat file)` or a secret store may leave it).
    func testAFailingSlackNotifierNeverPrintsTheWebhook() async throws {
        let slack = try FakeSlack(failuresBeforeSuccess: 1_000)
        defer { slack.server.stop() }
        let repo = scratch.appendingPathComponent("repo")
        let store = ArtifactStore(root: repo)
        try store.initializeLayout()
        try store.saveRun(RunRecord(runID: "20261122T000000Z-0000abcd", startedAt: Date(), results: []))
        let config = scratch.appendingPathComponent("lsqm.yml")
        try AtomicFile.write("notifiers: [SlackNotifier]\n", to: config)
        let secretPart = String(FakeSlack.webhookPath.split(separator: "/").last!)
        // A refused connection is the failure whose message quotes the URL (it leaked on stdout before).
        let gone = try HTTPTestServer { _ in .text("ok") }
        gone.stop()
        let refused = gone.baseURL.absoluteString + FakeSlack.webhookPath
        for (arguments, webhook) in [(["notify"], slack.webhookURL), (["notify", "--json"], refused + "\n")] {
            do {
                let result = try await LSQMProcess.run(
                    arguments + ["--config", config.path, "--log-format", "human"],
                    environment: ["ARTIFACT_REPO": repo.path, "SLACK_WEBHOOK_URL": webhook])
                XCTAssertEqual(result.exitCode, 0, result.stderr)
                XCTAssertTrue(result.stdout.contains("SlackNotifier"), result.stdout)
                XCTAssertTrue(
                    result.stdout.contains(webhook == slack.webhookURL ? "HTTP 500" : "failed to POST"), "the failure is reported: \(result.stdout)")
                for output in [result.stdout, result.stderr] {
                    for form in [secretPart, FakeSlack.webhookPath.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!] {
                        XCTAssertFalse(output.contains(form), "\(arguments) leaked \(form):\n\(output)")
                    }
                }
            }
        }
        XCTAssertGreaterThanOrEqual(
            slack.server.requests.filter { $0.path == FakeSlack.webhookPath }.count, 1, "the notifier did post (and was answered 500)")
    }

    func testRedactionCoversEncodedAndTrimmedFormsAndRepositoryCredentials() {
        let redactor = SecretRedactor.fromEnvironment([
            "SLACK_WEBHOOK_URL": "https://hooks.example/services/T1/B2/s3cr3tTokenXYZ\n",
            "ARTIFACT_REPO": "https://x-access-token:ghs_repoToken123@git.example/a/b.git",
        ])
        for leak in [
            "post to https://hooks.example/services/T1/B2/s3cr3tTokenXYZ failed",
            "url=https%3A%2F%2Fhooks.example%2Fservices%2FT1%2FB2%2Fs3cr3tTokenXYZ",
            "url=https%3a%2f%2fhooks.example%2fservices%2ft1%2fb2%2fs3cr3tTokenXYZ",
            "HTTP 500 from /services/T1/B2/s3cr3tTokenXYZ", "clone https://x-access-token:ghs_repoToken123@git.example/a/b.git",
        ] {
            let redacted = redactor.redact(leak)
            XCTAssertFalse(redacted.contains("s3cr3tTokenXYZ") || redacted.contains("ghs_repoToken123"), redacted)
            XCTAssertTrue(redacted.contains("[REDACTED]"), redacted)
        }
        XCTAssertEqual(
            SecretRedactor.withoutCredentials("https://x-access-token:ghs_repoToken123@git.example/a/b.git"),
            "https://[REDACTED]@git.example/a/b.git")
    }

    /// A corrupt index in the working copy: mine, generate and validate fail on it, and `lsqm run` still pushes
    /// what it has — but not the index, so the remote keeps the last good one that "restore it from git" needs.
    func testACorruptIndexIsNeverCommittedByRun() async throws {
        let seed = scratch.appendingPathComponent("seed")
        let seeded = try await LSQMProcess.run(["sync"], environment: ["ARTIFACT_REPO": seed.path])
        XCTAssertEqual(seeded.exitCode, 0, seeded.stderr)
        let remote = scratch.appendingPathComponent("remote.git")
        _ = try await Subprocess.run(["git", "clone", "--quiet", "--bare", seed.path, remote.path])
        let goodIndex = try await Subprocess.run(["git", "-C", remote.path, "show", "main:architectures/index.json"]).stdout
        let environment = ["ARTIFACT_REPO": "file://\(remote.path)", "LSQM_CACHE_DIR": scratch.appendingPathComponent("cache").path]
        let synced = try await LSQMProcess.run(["sync"], environment: environment)
        XCTAssertEqual(synced.exitCode, 0, synced.stderr)
        let workingCopy = scratch.appendingPathComponent("cache/artifact-repo")
        let index = workingCopy.appendingPathComponent("architectures/index.json")
        try AtomicFile.write(String(goodIndex.prefix(goodIndex.count / 2)), to: index)  // torn, as by a full disk

        let empty = scratch.appendingPathComponent("nothing-to-mine")
        try Files.createDirectory(empty)
        let run = try await LSQMProcess.run(["run", "--local", empty.path, "--generator", "rules", "--json"], environment: environment)
        XCTAssertEqual(run.exitCode, 2, String(run.stderr.suffix(3000)))
        XCTAssertTrue(
            run.stderr.contains("not committing 1 JSON file(s) that do not parse: architectures/index.json"), String(run.stderr.suffix(3000)))
        let remoteIndex = try await Subprocess.run(["git", "-C", remote.path, "show", "main:architectures/index.json"]).stdout
        XCTAssertEqual(remoteIndex, goodIndex, "the remote's index is unchanged")
        XCTAssertEqual(
            String(decoding: try Files.read(index), as: UTF8.self), String(goodIndex.prefix(goodIndex.count / 2)),
            "the stages that failed on it left it as it was")
    }

    /// A truncated old run names its file and a fix, does not block report or compare, and status lists it.
    func testAnUnreadableOldRunIsSkippedWithAWarning() async throws {
        let repo = scratch.appendingPathComponent("repo")
        let store = ArtifactStore(root: repo)
        try store.initializeLayout()
        let (old, middle, new) = ("20261108T000000Z-0000aaaa", "20261115T000000Z-0000bbbb", "20261122T000000Z-0000cccc")
        for id in [old, middle, new] { try store.saveRun(RunRecord(runID: id, startedAt: Date(), results: [])) }
        let results = store.runDirectory(middle).appendingPathComponent("results.json")
        try AtomicFile.write(Data(try Files.read(results).prefix(20)), to: results)
        let environment = ["ARTIFACT_REPO": repo.path]
        for arguments in [["report", "--json", "--dry-run"], ["compare", "--json"]] {
            let result = try await LSQMProcess.run(arguments, environment: environment)
            XCTAssertEqual(result.exitCode, 0, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("skipping 1 unreadable run(s): \(middle)"), result.stderr)
            XCTAssertTrue(result.stderr.contains("checkout -- runs/\(middle)/results.json"), result.stderr)
        }
        let report = try await LSQMProcess.run(["report", "--json", "--dry-run"], environment: environment)
        XCTAssertTrue(report.stdout.contains("\"previous_run_id\" : \"\(old)\""), "the previous readable run is the baseline: \(report.stdout)")
        let named = try await LSQMProcess.run(["report", "--run", middle, "--json", "--dry-run"], environment: environment)
        XCTAssertEqual(named.exitCode, 2)
        XCTAssertTrue(named.stderr.contains("failed to load run \(middle): runs/\(middle)/results.json is unreadable"), named.stderr)
        let status = try await LSQMProcess.run(["status", "--json"], environment: environment)
        XCTAssertEqual(status.exitCode, 0, status.stderr)
        XCTAssertTrue(status.stdout.contains("\"unreadable_runs\" : [\n    \"\(middle)\""), status.stdout)
    }

    func testConfigShowRedactsSecrets() async throws {
        let config = scratch.appendingPathComponent("lsqm.yml")
        try AtomicFile.write("parallel: 3\nnotifiers:\n  - name: FileNotifier\n    config: {path: /tmp/x.json}\n", to: config)
        let result = try await LSQMProcess.run(
            ["config", "show", "--config", config.path],
            environment: ["GITHUB_TOKEN": "ghp_abcdefghijklmnop", "SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T/B/secret123"])
        XCTAssertEqual(result.exitCode, 0, result.stderr)
        XCTAssertFalse(result.stdout.contains("ghp_abcdefghijklmnop"))
        XCTAssertFalse(result.stdout.contains("secret123"))
        // YAML, the config file's own format: it reads back as the same configuration.
        XCTAssertTrue(result.stdout.contains("\nparallel: 3\n"), result.stdout)
        XCTAssertTrue(result.stdout.contains("FileNotifier"))
        let readBack = try TemplateYAML.load(result.stdout)
        XCTAssertEqual(readBack["parallel"]?.intValue, 3)
        XCTAssertEqual(readBack["notifiers"]?.arrayValue?.first?["name"]?.stringValue, "FileNotifier")
        // No `sources` key: the four default remote sources are what mine would use, and what is shown.
        XCTAssertEqual(readBack["sources"]?.arrayValue?.count, 4)
        let json = try await LSQMProcess.run(["config", "show", "--json", "--config", config.path])
        XCTAssertEqual(try JSONCoding.decode(JSONValue.self, from: Data(json.stdout.utf8))["parallel"]?.intValue, 3)
        let bad = try await LSQMProcess.run(["config", "show"], environment: ["LSQM_PARALLEL": "many"])
        XCTAssertEqual(bad.exitCode, 2)
        XCTAssertTrue(bad.stderr.contains("failed to read LSQM_PARALLEL: 'many' is not a positive integer"), bad.stderr)
    }

    /// The corpus, mined through the real plugin worker: every architecture of MANIFEST.tsv indexed with its
    /// kind (or skipped with a reason when its template is not valid YAML), and a second run adds nothing.
    func testMineTheCorpusThenNothingNew() async throws {
        guard let corpus = BuildProducts.corpus else { throw XCTSkip("../shared/corpus is absent") }
        let repo = scratch.appendingPathComponent("repo")
        try Files.createDirectory(repo)  // an empty folder is initialised
        let env = ["ARTIFACT_REPO": repo.path, "LSQM_CACHE_DIR": scratch.appendingPathComponent("cache").path]
        let first = try await LSQMProcess.run(["mine", "--local", corpus.path, "--ignore", "SOURCE.json", "--json"], environment: env)
        XCTAssertEqual(first.exitCode, 0, String(first.stderr.suffix(2000)))
        let index = try ArtifactStore(root: repo).loadIndex()
        let byURL = Dictionary(index.architectures.values.map { ($0.sourceURL, $0) }, uniquingKeysWith: { a, _ in a })
        let manifest = try String(contentsOf: corpus.appendingPathComponent("MANIFEST.tsv"), encoding: .utf8).split(separator: "\n").dropFirst()
        var indexed = 0, skippedWithReason = 0, withServices = 0
        for line in manifest {
            let columns = line.split(separator: "\t").map(String.init)
            let url = "file://" + corpus.appendingPathComponent(columns[1]).path
            if let architecture = byURL[url] ?? byURL[url + "/"] {
                XCTAssertEqual(architecture.kind.rawValue, columns[0], columns[1])
                if !architecture.services.isEmpty { withServices += 1 }
                indexed += 1
            } else if index.skipped[url] != nil || index.skipped[url + "/"] != nil {
                skippedWithReason += 1
            } else {
                XCTFail("\(columns[1]) is neither indexed nor skipped with a reason")
            }
        }
        XCTAssertEqual(indexed + skippedWithReason, 621)
        XCTAssertGreaterThanOrEqual(Double(indexed) / 621, 0.99)
        // A few templates hold only custom resources or a pattern model: no AWS service to name.
        XCTAssertGreaterThanOrEqual(Double(withServices) / Double(indexed), 0.98)
        let second = try await LSQMProcess.run(["mine", "--local", corpus.path, "--ignore", "SOURCE.json", "--json"], environment: env)
        XCTAssertEqual(second.exitCode, 0, String(second.stderr.suffix(2000)))
        let output = try JSONCoding.decode(JSONValue.self, from: Data(second.stdout.utf8))
        XCTAssertEqual(output["summary"]?["added"]?.arrayValue?.count, 0)
        let status = try await LSQMProcess.run(["status", "--json"], environment: env)
        let counts = try JSONCoding.decode(JSONValue.self, from: Data(status.stdout.utf8))
        XCTAssertEqual(counts["architectures"]?.intValue, index.architectures.count)
        XCTAssertNotNil(counts.objectValue?["last_run"])
        // Every stage logs its start and end with timing.
        let logs = LSQMProcess.logLines(first)
        XCTAssertTrue(logs.contains { $0["stage"]?.stringValue == "mine" && $0["event"]?.stringValue == "end" && $0["duration_ms"] != nil })
    }
}

extension CommandLineTests {
    func testCleanRemovesTheCacheAndStaleContainers() async throws {
        let cache = scratch.appendingPathComponent("cache")
        try AtomicFile.write("x", to: cache.appendingPathComponent("venvs/a/marker"))
        let socket = scratch.appendingPathComponent("docker.sock").path
        let engine = try FakeDockerEngine(socketPath: socket)
        defer { engine.stop() }
        let env = ["LSQM_CACHE_DIR": cache.path, "DOCKER_HOST": "unix://\(socket)"]
        let dry = try await LSQMProcess.run(["clean", "--dry-run"], environment: env)
        XCTAssertEqual(dry.exitCode, 0, dry.stderr)
        XCTAssertTrue(Files.exists(cache), "a dry run removes nothing")
        let result = try await LSQMProcess.run(["clean"], environment: env)
        XCTAssertEqual(result.exitCode, 0, result.stderr)
        XCTAssertFalse(Files.exists(cache))
        XCTAssertTrue(result.stdout.contains("stale emulator container"), result.stdout)
        XCTAssertTrue(
            engine.requests.contains {
                $0.method == "GET" && $0.path.hasSuffix("/containers/json") && ($0.query("filters") ?? "").contains("lsqm.run_id")
            },
            "\(engine.requests.map(\.target))")
    }
}

extension CommandLineTests {
    /// A dry run of the whole pipeline reads and reports but writes nothing: no repository, no lock, no cache.
    func testRunDryRunWritesNothing() async throws {
        let repo = scratch.appendingPathComponent("repo")
        let result = try await LSQMProcess.run(
            ["run", "--dry-run", "--local", BuildProducts.packageRoot.appendingPathComponent("Examples/architectures").path, "--json"],
            environment: ["ARTIFACT_REPO": repo.path, "LSQM_CACHE_DIR": scratch.appendingPathComponent("cache").path])
        XCTAssertEqual(result.exitCode, 0, String(result.stderr.suffix(2000)))
        let names = try FileManager.default.contentsOfDirectory(atPath: scratch.path)
        XCTAssertFalse(names.contains("repo"), "\(names)")
        let outcome = try JSONCoding.decode(JSONValue.self, from: Data(result.stdout.utf8))
        XCTAssertEqual(outcome["stages"]?.arrayValue?.first { $0["stage"]?.stringValue == "mine" }?["status"]?.stringValue, "ok")
        XCTAssertTrue(LSQMProcess.logLines(result).contains { ($0["message"]?.stringValue ?? "").contains("3 would be added") })
    }
}
