import Foundation
import LSQMBasics
import LSQMCore
import LSQMSourceSupport
import LSQMTemplates
import XCTest

/// The plugin-side helpers: hostile archives, registry download locations, pagination, folder selection and
/// the standalone and supported-services filters.
final class SourceSupportTests: XCTestCase {
    func testTarballRefusesTraversalAbsoluteLinksDevicesAndOversizedFiles() throws {
        var writer = TarWriter()
        writer.add(path: "top/", type: .directory)
        writer.add(path: "top/main.tf", content: Data("resource \"aws_sqs_queue\" \"q\" {}\n".utf8))
        writer.add(path: "top/examples/complete/main.tf", content: Data("module \"m\" {\n  source = \"../../\"\n}\n".utf8))
        writer.add(path: "top/../escape.tf", content: Data("x".utf8))
        writer.add(path: "/etc/cron.d/evil", content: Data("x".utf8))
        writer.add(path: "top/out", type: .symlink, linkTarget: "../../../etc/passwd")
        writer.add(path: "top/in", type: .symlink, linkTarget: "main.tf")
        writer.add(path: "top/hard", type: .hardLink, linkTarget: "/etc/shadow")
        writer.add(path: "top/dev", type: .characterDevice)
        writer.add(path: "top/fifo", type: .fifo)
        writer.add(path: "top/big.tf", content: Data(count: 2048))
        writer.add(path: "top/" + String(repeating: "long-name-", count: 12) + ".tf", content: Data("# long\n".utf8))
        let gzipped = try Gzip.compress(writer.archive)
        XCTAssertEqual(try Gzip.decompress(gzipped), writer.archive)

        let archive = try TarArchive.read(try Gzip.decompress(gzipped), stripComponents: 1, limits: .init(maxFileBytes: 1024))
        XCTAssertEqual(
            archive.files.map(\.path).sorted(), ["examples/complete/main.tf", String(repeating: "long-name-", count: 12) + ".tf", "main.tf"])
        let reasons = Dictionary(archive.refused.map { ($0.path, $0.reason) }) { first, _ in first }
        XCTAssertEqual(reasons["top/../escape.tf"], "path contains '..'")
        XCTAssertEqual(reasons["/etc/cron.d/evil"], "absolute path")
        XCTAssertTrue(reasons["out"]?.contains("points outside") ?? false, "\(reasons)")
        XCTAssertTrue(reasons["in"]?.contains("never extracted") ?? false, "an inside link is refused too, but not called outside")
        XCTAssertTrue(reasons["hard"]?.contains("hard link") ?? false)
        XCTAssertEqual(reasons["dev"], "device file")
        XCTAssertEqual(reasons["fifo"], "FIFO")
        XCTAssertTrue(reasons["big.tf"]?.contains("larger than 1024") ?? false)
    }

    func testCorruptArchivesAreErrorsNotCrashes() {
        XCTAssertThrowsError(try Gzip.decompress(Data("not gzip at all".utf8)))
        var header = TarWriter()
        header.add(path: "a.tf", content: Data(count: 1000))
        var broken = header.archive
        broken[150] ^= 0xFF
        XCTAssertThrowsError(try TarArchive.read(broken))
        XCTAssertThrowsError(try TarArchive.read(header.archive.prefix(700)), "an entry running past the end")
        XCTAssertThrowsError(try Gzip.decompress(try Gzip.compress(Data(count: 1 << 20)), limit: 1000), "a bomb stops at the limit")
    }

    func testModuleExamplesCarryTheModuleAndRewriteUpwardSources() throws {
        var writer = TarWriter()
        writer.add(path: "repo-abc/main.tf", content: Data("variable \"name\" {\n  default = \"x\"\n}\n".utf8))
        writer.add(path: "repo-abc/modules/inner/main.tf", content: Data("# inner\n".utf8))
        writer.add(path: "repo-abc/README.md", content: Data("# module\n".utf8))
        writer.add(
            path: "repo-abc/examples/complete/main.tf",
            content: Data(
                "module \"a\" {\n  source = \"../../\"\n}\nmodule \"b\" {\n  source = \"../../modules/inner\"\n}\nmodule \"c\" {\n  source  = \"terraform-aws-modules/vpc/aws\"\n}\n"
                    .utf8))
        writer.add(path: "repo-abc/examples/notes/README.md", content: Data("no terraform here\n".utf8))
        let (examples, refused) = try ModuleExamples.read(archive: try Gzip.compress(writer.archive))
        XCTAssertTrue(refused.isEmpty)
        XCTAssertEqual(examples.map(\.name), ["complete"])
        let example = try XCTUnwrap(examples.first)
        XCTAssertEqual(example.files.map(\.path), ["lsqm-module/main.tf", "lsqm-module/modules/inner/main.tf", "main.tf"])
        XCTAssertEqual(example.rewrittenSources, 2)
        let main = String(decoding: try XCTUnwrap(example.files.first { $0.path == "main.tf" }).content, as: UTF8.self)
        XCTAssertTrue(main.contains("source = \"./lsqm-module/\""), main)
        XCTAssertTrue(main.contains("source = \"./lsqm-module/modules/inner\""), main)
        XCTAssertTrue(main.contains("source  = \"terraform-aws-modules/vpc/aws\""), "registry sources are left alone")
    }

    func testXTerraformGetForms() throws {
        let download = try XCTUnwrap(URL(string: "https://registry.example/v1/modules/ns/vpc/aws/1.0.0/download"))
        let api = "https://api.example"
        XCTAssertEqual(
            TerraformGetLocation.resolve("git::https://github.com/ns/terraform-aws-vpc?ref=v1.0.0", downloadURL: download, githubAPI: api)?
                .absoluteString,
            "https://api.example/repos/ns/terraform-aws-vpc/tarball/v1.0.0")
        XCTAssertEqual(
            TerraformGetLocation.resolve("git::https://github.com/ns/terraform-aws-vpc.git//modules/x?ref=v2", downloadURL: download, githubAPI: api)?
                .absoluteString,
            "https://api.example/repos/ns/terraform-aws-vpc/tarball/v2")
        XCTAssertEqual(
            TerraformGetLocation.resolve(
                "https://api.github.com/repos/hashicorp/terraform-aws-consul/tarball/v0.0.1//*?archive=tar.gz",
                downloadURL: download, githubAPI: api)?.absoluteString,
            "https://api.github.com/repos/hashicorp/terraform-aws-consul/tarball/v0.0.1")
        XCTAssertEqual(
            TerraformGetLocation.resolve("./archive.tar.gz", downloadURL: download, githubAPI: api)?.absoluteString,
            "https://registry.example/v1/modules/ns/vpc/aws/1.0.0/archive.tar.gz")
        XCTAssertEqual(
            TerraformGetLocation.resolve("/files/vpc.tgz", downloadURL: download, githubAPI: api)?.absoluteString,
            "https://registry.example/files/vpc.tgz")
        XCTAssertNil(TerraformGetLocation.resolve("s3::https://bucket/x.zip", downloadURL: download, githubAPI: api))
        XCTAssertNil(TerraformGetLocation.resolve("git::ssh://git@gitlab.example/x.git", downloadURL: download, githubAPI: api))
    }

    func testLinkHeaderNext() {
        let header =
            #"<https://api.github.com/organizations/1/repos?page=2>; rel="next", <https://api.github.com/organizations/1/repos?page=5>; rel="last""#
        XCTAssertEqual(Pagination.nextLink(header), "https://api.github.com/organizations/1/repos?page=2")
        XCTAssertNil(Pagination.nextLink(#"<https://x?page=1>; rel="prev""#))
        XCTAssertNil(Pagination.nextLink(nil))
    }

    func testFolderSelectionFromTreePaths() {
        func file(_ path: String, _ size: Int = 10) -> GitHubAPI.TreeFile { GitHubAPI.TreeFile(path: path, size: size, sha: path) }
        let files = [
            file("README.md"), file("package.json"),
            file("pattern-a/main.tf"), file("pattern-a/modules/queue/main.tf"), file("pattern-a/src/app.py"),
            file("pattern-b/template.yaml"), file("pattern-b/example-pattern.json"),
            file("svc/serverless.yml"), file(".github/workflows/ci.yml"), file("node_modules/x/template.yaml"),
            file("huge/template.yaml", 20 << 20),
        ]
        let candidates = RepositoryArchitectures.candidates(repository: "o/r", commit: "c", files: files, license: nil) { "u/\($0)" }
        XCTAssertEqual(candidates.map(\.folder), ["pattern-a", "pattern-b", "svc"])
        XCTAssertEqual(candidates.first?.files.map(\.path), ["pattern-a/main.tf", "pattern-a/modules/queue/main.tf"])
        XCTAssertEqual(candidates[1].files.map(\.path), ["pattern-b/template.yaml"])
    }

    func testKindSniffingAndServerlessProvider() {
        func files(_ pairs: (String, String)...) -> [(path: String, content: Data)] { pairs.map { ($0.0, Data($0.1.utf8)) } }
        XCTAssertEqual(TemplateSniffer.kind(files(("main.tf", "resource \"aws_s3_bucket\" \"b\" {}"))), "terraform")
        XCTAssertEqual(TemplateSniffer.kind(files(("serverless.yml", "service: x\nprovider:\n  name: aws\n  runtime: nodejs18.x\n"))), "serverless")
        XCTAssertEqual(TemplateSniffer.kind(files(("serverless.yml", "service: x\nprovider: aws\n"))), "serverless")
        XCTAssertNil(TemplateSniffer.kind(files(("serverless.yml", "service: x\nprovider:\n  name: azure\n"))))
        XCTAssertEqual(
            TemplateSniffer.kind(
                files(("template.yaml", "Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n"))), "sam")
        XCTAssertEqual(TemplateSniffer.kind(files(("t.json", "{\"AWSTemplateFormatVersion\": \"2010-09-09\", \"Resources\": {}}"))), "cloudformation")
        XCTAssertNil(TemplateSniffer.kind(files(("config.yaml", "key: value\n"))))
    }

    func testStandaloneFilter() {
        func problem(_ text: String) -> String? { TerraformStandalone.problem([("main.tf", Data(text.utf8))]) }
        XCTAssertNil(problem("variable \"region\" {\n  type    = string\n  default = \"us-east-1\"\n}\n"))
        XCTAssertEqual(
            problem("variable \"vpc_id\" {\n  type = string\n  description = \"{ not a brace }\"\n}\n"),
            "not standalone: variable \"vpc_id\" has no default")
        XCTAssertNotNil(problem("data \"terraform_remote_state\" \"net\" {\n  backend = \"s3\"\n}\n"))
        XCTAssertNotNil(problem("module \"m\" {\n  source = \"s3::https://s3.amazonaws.com/bucket/m.zip\"\n}\n"))
        XCTAssertNil(problem("module \"m\" {\n  source = \"terraform-aws-modules/vpc/aws\"\n  version = \"5.0.0\"\n}\n"))
        XCTAssertNil(problem("variable \"tags\" {\n  type = map(string)\n  default = {\n    a = \"b\"\n  }\n}\n"))
    }

    func testEmulatorServiceLists() {
        let community = EmulatorServices()
        XCTAssertNil(community.notRunReason(services: ["s3", "lambda", "dynamodb", "sqs"]))
        XCTAssertEqual(community.unsupported(["s3", "ecs", "rds"]), ["ecs", "rds"])
        XCTAssertEqual(community.notRunReason(services: ["s3", "ecs", "rds"]), "uses services LocalStack community does not offer: ecs, rds")
        XCTAssertNil(EmulatorServices(edition: .pro).notRunReason(services: ["ecs", "rds", "cognito-idp"]))
        XCTAssertNil(EmulatorServices(extra: ["bedrock"]).notRunReason(services: ["bedrock"]))
        // moto's list is moto's own (generated from its backends), not LocalStack's.
        let moto = EmulatorServices(edition: .moto)
        XCTAssertNil(moto.notRunReason(services: ["apigatewayv2", "appsync", "cognito-idp", "ecs", "elbv2", "lambda", "stepfunctions"]))
        XCTAssertEqual(moto.notRunReason(services: ["s3", "b2bi"]), "uses a service moto does not offer: b2bi")
        // The runtime's info picks the list; an emulator nobody knows runs everything.
        XCTAssertEqual(EmulatorServices(emulator: EmulatorInfo(runtime: "host", name: "moto"))?.edition, .moto)
        XCTAssertEqual(EmulatorServices(emulator: EmulatorInfo(runtime: "docker", name: "localstack", edition: "pro"))?.edition, .pro)
        XCTAssertEqual(EmulatorServices(emulator: EmulatorInfo(runtime: "host", name: "localstack"))?.edition, .community)
        XCTAssertNil(EmulatorServices(emulator: EmulatorInfo(runtime: "url", name: "http://127.0.0.1:4566")))
        XCTAssertTrue(EmulatorServices.isLegacySkipReason("uses a service the community emulator does not support: pipes"))
        XCTAssertFalse(EmulatorServices.isLegacySkipReason("not standalone: variable \"vpc_id\" has no default"))
    }
}
