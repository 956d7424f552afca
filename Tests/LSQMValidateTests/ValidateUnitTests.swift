import Foundation
import LSQMBasics
import LSQMCore
import LSQMTestSupport
import XCTest

@testable import LSQMValidate

final class ProviderOverrideTests: XCTestCase {
    let endpoint = URL(string: "http://127.0.0.1:45000")!

    func testImplicitProviderGetsAPlainFileAndAliasesGetOverrides() {
        let plan = ProviderOverride.plan(rootSources: [
            """
            provider "aws" {
              alias  = "east"
              region = "us-east-1"
              default_tags { tags = { a = "b" } }
            }
            terraform {
              backend "s3" {
                bucket = "state"
              }
            }
            """
        ])
        XCTAssertEqual(plan.aliases, ["east"])
        XCTAssertFalse(plan.hasDefaultBlock)
        XCTAssertTrue(plan.hasBackend)
        let files = Dictionary(uniqueKeysWithValues: plan.files(endpoint: endpoint, region: "us-east-1").map { ($0.name, $0.content) })
        let override = try? XCTUnwrap(files["lsqm_providers_override.tf"])
        XCTAssertTrue(override?.contains("alias = \"east\"") == true)
        XCTAssertTrue(override?.contains("backend \"local\" {}") == true)
        let plain = files["lsqm_providers.tf"] ?? ""
        XCTAssertTrue(plain.contains("region = \"us-east-1\""))
        XCTAssertFalse(plain.contains("alias"))
    }

    func testDummyCredentialsAndNoEndpointsBlockByDefault() {
        let plan = ProviderOverride.plan(rootSources: ["provider \"aws\" {\n  region = \"eu-west-1\"\n  profile = \"prod\"\n}\n"])
        XCTAssertTrue(plan.hasDefaultBlock)
        XCTAssertFalse(plan.needsEndpointsBlock)
        let files = plan.files(endpoint: endpoint, region: "us-east-1")
        XCTAssertEqual(files.map(\.name), ["lsqm_providers_override.tf"])
        let text = files[0].content
        for setting in [
            "access_key = \"test\"", "profile = \"\"", "skip_credentials_validation = true", "skip_requesting_account_id = true",
            "skip_metadata_api_check = true", "s3_use_path_style = true",
        ] {
            XCTAssertTrue(text.contains(setting), setting)
        }
        XCTAssertFalse(text.contains("endpoints"), "the endpoint travels in AWS_ENDPOINT_URL")
        XCTAssertFalse(text.contains("45000"))
    }

    func testEndpointsBlockReplacesTheArchitecturesOwnEndpoints() {
        let plan = ProviderOverride.plan(rootSources: [
            """
            provider "aws" {
              region = "us-east-1"
              endpoints {
                s3 = "http://localstack:4566"
              }
            }
            """
        ])
        XCTAssertTrue(plan.needsEndpointsBlock)
        let text = plan.files(endpoint: endpoint, region: "us-east-1")[0].content
        for setting in ["    s3 = \"http://127.0.0.1:45000\"", "    sts = \"http://127.0.0.1:45000\"", "    iam = \"http://127.0.0.1:45000\""] {
            XCTAssertTrue(text.contains(setting), setting)
        }
        XCTAssertFalse(text.contains("s3api ="), "aliases of a service are left out: the provider warns when both are set")
        XCTAssertEqual(AWSEndpointNames.all.count, Set(AWSEndpointNames.all).count)
    }

    func testEndpointsBlockForAServiceWhoseClientIgnoresTheVariable() {
        let module = "resource \"aws_simpledb_domain\" \"users\" {\n  name = \"users\"\n}\n"
        XCTAssertTrue(ProviderOverride.plan(rootSources: [], moduleSources: [module]).needsEndpointsBlock)
        let queue = "resource \"aws_sqs_queue\" \"jobs\" {}\n"
        XCTAssertFalse(ProviderOverride.plan(rootSources: [queue], moduleSources: [queue]).needsEndpointsBlock)
        let text = ProviderOverride.plan(rootSources: [module]).files(endpoint: endpoint, region: "us-east-1")[0].content
        XCTAssertTrue(text.contains("    simpledb = \"http://127.0.0.1:45000\""))
    }

    func testReattachLineOfTheProviderInDebugMode() {
        // What terraform-provider-aws 5.100.0 prints with -debug (measured here).
        let output = """
            Provider started. To attach Terraform CLI, set the TF_REATTACH_PROVIDERS environment variable with the following:

            \tTF_REATTACH_PROVIDERS='{"registry.terraform.io/hashicorp/aws":{"Protocol":"grpc","ProtocolVersion":5,"Pid":11822,"Test":true,"Addr":{"Network":"unix","String":"/tmp/plugin1722846344"}}}'

            """
        let configuration = SharedProvider.reattachConfiguration(in: output)
        XCTAssertEqual(configuration?.hasPrefix("{\"registry.terraform.io/hashicorp/aws\":{"), true, configuration ?? "nil")
        XCTAssertEqual(configuration?.hasSuffix("}}}"), true)
        XCTAssertNil(SharedProvider.reattachConfiguration(in: "Provider started.\n"))
        XCTAssertNil(SharedProvider.reattachConfiguration(in: "TF_REATTACH_PROVIDERS='{\"registry.terraform.io/hashicorp/random\":{}}'"))
        XCTAssertNil(SharedProvider.reattachConfiguration(in: "TF_REATTACH_PROVIDERS='{not json'"))
    }

    /// A provider that never prints the reattach line is a start failure saying whether it exited or hung,
    /// and is not left running.
    func testAProviderThatDoesNotAttachSaysWhy() async throws {
        let directory = try Files.makeTemporaryDirectory(prefix: "lsqm-share")
        defer { Files.remove(directory) }
        func fakeProvider(_ name: String, _ body: String) throws -> URL {
            let url = directory.appendingPathComponent(name)
            try "#!/bin/sh\n\(body)\n".write(to: url, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
            return url
        }
        let environment = ["PATH": "/usr/bin:/bin"]
        do {
            _ = try await SharedProvider.start(
                binary: fakeProvider("exits", "echo 'no such flag'; exit 3"), workspace: directory,
                environment: environment, scratch: directory.appendingPathComponent("a"), timeout: .seconds(20))
            XCTFail("a provider that exits cannot be shared")
        } catch {
            let text = LSQMError.describe(error)
            XCTAssertTrue(text.contains("it exited before printing TF_REATTACH_PROVIDERS") && text.contains("no such flag"), text)
        }
        let pidFile = directory.appendingPathComponent("hung.pid")
        do {
            _ = try await SharedProvider.start(
                binary: fakeProvider("hangs", "echo $$ > '\(pidFile.path)'; exec sleep 60"), workspace: directory,
                environment: environment, scratch: directory.appendingPathComponent("b"), timeout: .seconds(1))
            XCTFail("a provider that never attaches cannot be shared")
        } catch {
            XCTAssertTrue(LSQMError.describe(error).contains("it timed out before printing TF_REATTACH_PROVIDERS"), LSQMError.describe(error))
        }
        let pid = try XCTUnwrap(pid_t(String(contentsOf: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        XCTAssertEqual(kill(pid, 0), -1, "the hung provider was killed")
    }

    func testOneProcessIsSharedOnlyWithASingleAWSConfiguration() throws {
        let directory = try Files.makeTemporaryDirectory(prefix: "lsqm-share")
        defer { Files.remove(directory) }
        func write(_ path: String, _ text: String) throws {
            try Files.createDirectory(directory.appendingPathComponent(path).deletingLastPathComponent())
            try text.write(to: directory.appendingPathComponent(path), atomically: true, encoding: .utf8)
        }
        try write("main.tf", "provider \"aws\" {\n  region = \"us-east-1\"\n}\nresource \"aws_sqs_queue\" \"q\" {}\n")
        try write("lsqm_providers_override.tf", "provider \"aws\" {\n  access_key = \"test\"\n}\n")
        XCTAssertNil(SharedProvider.ineligibility(in: directory), "lsqm's override amends the one block")
        try write(".terraform/modules/queue/main.tf", "provider \"aws\" {\n  region = \"eu-west-1\"\n}\n")
        XCTAssertEqual(SharedProvider.ineligibility(in: directory), "2 configurations of the aws provider")
    }

    func testInitFailuresThatNameAMissingProviderOrModule() {
        let provider = """
            Error: Failed to query available provider packages

            Could not retrieve the list of available versions for provider
            hashicorp/random: provider registry.terraform.io/hashicorp/random was not
            found in any of the search locations
            """
        XCTAssertEqual(TerraformWorkspace.missingDependency(inInitOutput: provider), "provider hashicorp/random")
        let module = """
            Error: Error accessing remote module registry

            Failed to retrieve available versions for module "vpc" (main.tf:1) from
            registry.terraform.io: failed to request discovery document
            """
        XCTAssertEqual(TerraformWorkspace.missingDependency(inInitOutput: module), "module vpc")
        XCTAssertNil(TerraformWorkspace.missingDependency(inInitOutput: "Error: Unsupported argument"))
        let constraint = """
            Error: Failed to query available provider packages

            Could not retrieve the list of available versions for provider hashicorp/aws:
            no available releases match the given constraints ~> 6.0

            To see which modules are currently depending on hashicorp/aws
            """
        XCTAssertEqual(
            TerraformWorkspace.missingDependency(inInitOutput: constraint),
            "provider hashicorp/aws (no available releases match the given constraints ~> 6.0)")
        // Two providers missing (terraform 1.11's own output): both are named, each once.
        let two = """
            - Installed hashicorp/aws v5.100.0 (unauthenticated)

            Error: Failed to query available provider packages

            Could not retrieve the list of available versions for provider
            hashicorp/random: provider registry.terraform.io/hashicorp/random was not
            found in any of the search locations

              - /opt/tf-plugins

            Error: Failed to query available provider packages

            Could not retrieve the list of available versions for provider
            hashicorp/null: provider registry.terraform.io/hashicorp/null was not found
            in any of the search locations
            """
        XCTAssertEqual(TerraformWorkspace.missingDependency(inInitOutput: two), "provider hashicorp/random; provider hashicorp/null")
    }

    func testCLIConfigInstallsMirroredProvidersFromTheMirrorOnly() throws {
        let mirror = try Files.makeTemporaryDirectory(prefix: "lsqm-mirror")
        defer { Files.remove(mirror) }
        try Files.createDirectory(mirror.appendingPathComponent("registry.terraform.io/hashicorp/aws/5.100.0"))
        let settings = TerraformSettings(mirror: mirror, pluginCache: mirror)
        XCTAssertEqual(settings.mirroredProviders(), ["registry.terraform.io/hashicorp/aws"])
        let config = settings.cliConfig()
        XCTAssertTrue(config.contains("include = [\"registry.terraform.io/hashicorp/aws\"]"), config)
        XCTAssertTrue(config.contains("exclude = [\"registry.terraform.io/hashicorp/aws\"]"), config)
    }

    func testChildEnvironmentDropsSecretsAndHostAWSSettings() {
        let env = ChildEnvironment.base(
            [
                "PATH": "/bin", "GITHUB_TOKEN": "x", "AWS_PROFILE": "prod", "AWS_SECRET_ACCESS_KEY": "real",
                "AWS_CA_BUNDLE": "/ca.pem", "TF_VAR_x": "1", "MY_API_KEY": "k",
            ], region: "us-east-1")
        XCTAssertEqual(
            env,
            [
                "PATH": "/bin", "AWS_CA_BUNDLE": "/ca.pem", "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
            ])
    }
}

final class JUnitAndSelectionTests: XCTestCase {
    func testJUnitReportBecomesPerTestResults() throws {
        let xml = """
            <?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" errors="1" failures="1" skipped="1" tests="4">
            <testcase classname="test_app" name="test_ok" time="0.012" />
            <testcase classname="test_app" name="test_bad" time="1.5"><failure message="assert 1 == 2">def test_bad(): assert 1 == 2</failure></testcase>
            <testcase classname="test_app" name="test_setup" time="0"><error message="fixture 'x' not found">E fixture</error></testcase>
            <testcase classname="test_app" name="test_skip" time="0"><skipped message="later" /></testcase>
            </testsuite></testsuites>
            """
        let tests = try JUnitReport.parse(Data(xml.utf8))
        XCTAssertEqual(tests.map(\.name), ["test_app::test_ok", "test_app::test_bad", "test_app::test_setup", "test_app::test_skip"])
        XCTAssertEqual(tests.map(\.outcome), [.passed, .failed, .error, .skipped])
        XCTAssertEqual(tests[1].durationMs, 1500)
        XCTAssertEqual(tests[1].message, "assert 1 == 2")
        XCTAssertEqual(ValidationResult.verdict(forTests: tests, deployOnly: false), .partial)
        XCTAssertThrowsError(try JUnitReport.parse(Data("<testsuite></testcase>".utf8)))
    }

    func testShardsPartitionTheArchitectures() throws {
        XCTAssertEqual(try Shard(parsing: "2/3"), try Shard(index: 2, count: 3))
        for bad in ["0/3", "4/3", "x", "1/0", "1/2/3"] { XCTAssertThrowsError(try Shard(parsing: bad), bad) }
        let hashes = (0..<40).map { SHA256.hex("arch \($0)") }
        let shards = try (1...3).map { try Shard(index: $0, count: 3) }
        for hash in hashes { XCTAssertEqual(shards.filter { $0.contains(hash) }.count, 1) }
    }

    /// A normalized template that needs its author's input is left out of a run, and refused when named.
    func testNeedsInputIsNeverSelected() throws {
        let fixtures = try ValidateFixtures()
        defer { fixtures.remove() }
        let a = try fixtures.add(name: "a", services: ["s3"], terraform: [ValidateFixtures.text("main.tf", "# a\n")])
        var index = try fixtures.store.loadIndex()
        index.architectures[a.id]?.normalization = NormalizationRecord(
            status: .needsInput, inputs: [.init(parameter: "RoleArn", value: nil, how: "an existing role")])
        index.architectures[a.id]?.skipReason = "needs input: RoleArn (an existing role)"
        try fixtures.store.saveIndex(index)
        XCTAssertEqual(try ValidateStage.select(from: index, store: fixtures.store, hashes: [], shard: nil).map(\.id), [])
        XCTAssertThrowsError(try ValidateStage.select(from: index, store: fixtures.store, hashes: [String(a.id.prefix(10))], shard: nil)) { error in
            XCTAssertTrue("\(error)".contains("needs input only its author can give: RoleArn (an existing role)"), "\(error)")
        }
    }

    func testSelectionByPrefixSkipsAndTerraformPresence() throws {
        let fixtures = try ValidateFixtures()
        defer { fixtures.remove() }
        let a = try fixtures.add(name: "a", services: ["s3"], terraform: [ValidateFixtures.text("main.tf", "# a\n")])
        let b = try fixtures.add(name: "b", services: ["s3"], terraform: [ValidateFixtures.text("main.tf", "# b\n")])
        var index = try fixtures.store.loadIndex()
        index.architectures[b.id]?.skipReason = "not standalone"
        try fixtures.store.saveIndex(index)
        XCTAssertEqual(try ValidateStage.select(from: index, store: fixtures.store, hashes: [], shard: nil).map(\.id), [a.id])
        XCTAssertEqual(
            try ValidateStage.select(from: index, store: fixtures.store, hashes: [String(b.id.prefix(10))], shard: nil).map(\.id), [b.id],
            "a named architecture is validated even when marked to skip")
        XCTAssertThrowsError(try ValidateStage.select(from: index, store: fixtures.store, hashes: ["ffffffffff"], shard: nil)) { error in
            XCTAssertTrue("\(error)".contains("no indexed architecture has that hash"))
        }
    }
}

/// What a run records about its emulator comes from the emulator once it is healthy, not only from how lsqm
/// started it: an external URL says nothing about itself until asked.
final class EmulatorIdentityTests: XCTestCase {
    /// A LocalStack on the host answers `edition: unknown` with `is_license_activated: false` (measured on
    /// 2026.3.0): recorded as the community edition with the version it reports.
    func testTheRunRecordsTheVersionAndEditionLocalStackReports() async throws {
        let localStack = try HTTPTestServer { request in
            switch request.path {
            case "/_localstack/health": .json(["services": ["s3": "available"], "edition": "unknown", "version": "2026.3.0"])
            case "/_localstack/info": .json(["version": "2026.3.0", "edition": "unknown", "is_license_activated": false])
            default: .empty(404)
            }
        }
        defer { localStack.stop() }
        let fixtures = try ValidateFixtures()
        defer { fixtures.remove() }
        // Invalid Terraform stops the validation at init, fast, after the emulator was healthy and asked.
        let architecture = try fixtures.add(name: "broken", services: ["s3"], terraform: [ValidateFixtures.text("main.tf", "resource {")])
        let runtime = try URLRuntime(url: URL(string: "http://127.0.0.1:\(localStack.port)")!)
        let before = await runtime.info
        XCTAssertNil(before.version, "nothing is known before the emulator is asked")
        let run = try await ValidateStage.run(
            architectures: [architecture], store: fixtures.store, runtime: runtime,
            options: fixtures.options(), logger: .silent)
        XCTAssertEqual(run.emulator?.version, "2026.3.0")
        XCTAssertEqual(run.emulator?.edition, "community")
        XCTAssertEqual(try fixtures.store.loadRun(run.runID).emulator, run.emulator, "recorded in results.json")
        XCTAssertTrue(localStack.requests.contains { $0.path == "/_localstack/info" })
    }
}
