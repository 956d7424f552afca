import Foundation
import LSQMBasics
import LSQMTemplates
import LSQMTestSupport
import XCTest

/// A YAML "billion laughs": nine levels of nine aliases expand to 9^9 nodes.
let aliasBomb: String = {
    var lines = [#"a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]"#]
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
    for index in 1..<names.count {
        let previous = "*\(names[index - 1])"
        lines.append("\(names[index]): &\(names[index]) [\(Array(repeating: previous, count: 9).joined(separator: ","))]")
    }
    lines.append("Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties: {Tags: *i}")
    return lines.joined(separator: "\n")
}()

final class ArchitectureScannerTests: XCTestCase {
    func testNestedFoldersAndKinds() throws {
        let scratch = try Scratch()
        try scratch.write("tf/main.tf", "module \"q\" {\n  source = \"./modules/sqs\"\n}\nmodule \"api\" {\n  source = \"./restapi\"\n}\n")
        try scratch.write("tf/modules/sqs/main.tf", "resource \"aws_sqs_queue\" \"q\" {}\n")
        try scratch.write("tf/modules/sqs/policy.json", "{}")
        try scratch.write("tf/restapi/main.tf", "resource \"aws_api_gateway_rest_api\" \"a\" {}\n")
        try scratch.write("tf/other-root/main.tf", "resource \"aws_sns_topic\" \"t\" {}\n")
        try scratch.write("module-repo/main.tf", "resource \"aws_kms_key\" \"k\" {}\n")
        try scratch.write("module-repo/examples/complete/main.tf", "module \"kms\" {\n  source = \"../../\"\n}\n")
        try scratch.write("sam/template.yaml", "Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n")
        try scratch.write("sam/function/template.yml", "Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n")
        try scratch.write("sam/events/event.json", #"{"Records": []}"#)
        try scratch.write("cfn/bucket.json", #"{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {}}"#)
        try scratch.write("sls/serverless.yml", "service: s\nprovider:\n  name: aws\nfunctions:\n  f:\n    handler: h\n")
        try scratch.write("sls/resource/Queue.yml", "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n")
        try scratch.write("azure/serverless.yml", "service: s\nprovider:\n  name: azure\n")
        try scratch.write("notes/README.md", "# resource \"aws_s3_bucket\"")
        try scratch.write("openapi/api.yaml", "openapi: 3.0.0\nResources: none\n")

        let result = try ArchitectureScanner.scan(scratch.root)
        let found = Dictionary(uniqueKeysWithValues: result.architectures.map { ($0.folder, $0) })
        XCTAssertEqual(found.keys.sorted(), ["cfn", "module-repo", "module-repo/examples/complete", "sam", "sls", "tf", "tf/other-root"])
        XCTAssertEqual(found["tf"]?.kind, .terraform)
        XCTAssertEqual(found["tf"]?.files.map(\.path), ["main.tf", "modules/sqs/main.tf", "modules/sqs/policy.json", "restapi/main.tf"])
        XCTAssertEqual(found["tf/other-root"]?.files.map(\.path), ["main.tf"], "a Terraform folder no one uses as a module is a root configuration")
        XCTAssertEqual(found["module-repo"]?.files.map(\.path), ["main.tf"], "the example is an architecture of its own")
        XCTAssertEqual(found["module-repo/examples/complete"]?.files.map(\.path), ["main.tf"])
        XCTAssertEqual(found["sam"]?.kind, .sam)
        XCTAssertEqual(found["sam"]?.files.map(\.path), ["events/event.json", "function/template.yml", "template.yaml"])
        XCTAssertEqual(found["cfn"]?.kind, .cloudformation)
        XCTAssertEqual(found["sls"]?.kind, .serverless)
        XCTAssertEqual(found["sls"]?.files.map(\.path), ["resource/Queue.yml", "serverless.yml"])
    }

    func testHostileFilesAreSkippedWithReasons() throws {
        let scratch = try Scratch()
        let outside = try Scratch()
        try outside.write("secret.tf", "resource \"aws_s3_bucket\" \"leak\" {}\n")
        try scratch.write("arch/main.tf", "resource \"aws_s3_bucket\" \"b\" {}\n")
        try scratch.write("arch/lambda.zip", Data([0x50, 0x4B, 0x03, 0x04, 0x00, 0x00, 0xFF]))
        try scratch.write("arch/binary.tf", Data([0x72, 0x00, 0xFF, 0xFE]))
        try scratch.write("arch/latin1.txt", Data([0x63, 0x61, 0x66, 0xE9]))
        try scratch.write("arch/huge.json", Data(repeating: 0x20, count: (10 << 20) + 1))
        try scratch.write("arch/bomb.yaml", aliasBomb)
        try scratch.write("arch/template.yaml", "Resources: [unclosed\n")
        try scratch.write("arch/deep.json", "{\"Resources\": " + String(repeating: "[", count: 100_000))
        try scratch.write("arch/deep.yaml", "Resources: " + String(repeating: "{a: ", count: 100_000))
        try FileManager.default.createSymbolicLink(
            atPath: scratch.root.appendingPathComponent("arch/outside.tf").path,
            withDestinationPath: outside.root.appendingPathComponent("secret.tf").path)
        try FileManager.default.createSymbolicLink(atPath: scratch.root.appendingPathComponent("arch/etc").path, withDestinationPath: "/etc")
        try FileManager.default.createSymbolicLink(atPath: scratch.root.appendingPathComponent("arch/inside.tf").path, withDestinationPath: "main.tf")
        XCTAssertEqual(mkfifo(scratch.root.appendingPathComponent("arch/pipe").path, 0o644), 0)
        let unreadable = try scratch.write("arch/unreadable.tf", "resource \"aws_sqs_queue\" \"q\" {}\n")
        chmod(unreadable.path, 0)
        defer { chmod(unreadable.path, 0o644) }
        try scratch.write("bomb-only/template.yaml", aliasBomb)

        let result = try ArchitectureScanner.scan(scratch.root)
        XCTAssertEqual(result.architectures.map(\.folder), ["arch"], "the bomb-only folder has nothing left to deploy")
        let arch = try XCTUnwrap(result.architectures.first)
        let reasons = Dictionary(uniqueKeysWithValues: arch.skipped.map { ($0.path, $0.reason) })
        // A zip is architecture content (Terraform hashes it); binary bytes where text belongs are refused.
        XCTAssertNil(reasons["lambda.zip"])
        XCTAssertEqual(reasons["binary.tf"], "binary file (not UTF-8 text)")
        XCTAssertEqual(reasons["latin1.txt"], "binary file (not UTF-8 text)")
        XCTAssertEqual(reasons["huge.json"], "\((10 << 20) + 1) bytes, over the 10 MB cap")
        XCTAssertTrue(reasons["bomb.yaml"]?.contains("alias bomb") == true, "\(reasons)")
        for link in ["outside.tf", "etc", "inside.tf"] {
            XCTAssertEqual(reasons[link], "symbolic link (lsqm never follows links)", link)
        }
        XCTAssertEqual(reasons["pipe"], "not a regular file")
        if getuid() != 0 {
            XCTAssertTrue(reasons["unreadable.tf"]?.hasPrefix("unreadable:") == true, "\(reasons)")
        }
        XCTAssertEqual(
            arch.files.map(\.path).filter { $0 != "unreadable.tf" }, ["lambda.zip", "main.tf", "template.yaml"],
            "invalid YAML stays, for the inspector to report")
        // Nesting past the parser's depth limit is hostile input, skipped with the limit named (and JSON called JSON).
        XCTAssertTrue(reasons["deep.json"]?.hasPrefix("failed to parse JSON: nesting deeper than libyaml's depth limit") == true, "\(reasons)")
        XCTAssertTrue(reasons["deep.yaml"]?.hasPrefix("failed to parse YAML: nesting deeper than libyaml's depth limit") == true, "\(reasons)")
        XCTAssertFalse(arch.files.contains { String(decoding: $0.content, as: UTF8.self).contains("leak") })
        XCTAssertTrue(result.skipped.contains { $0.path == "bomb-only/template.yaml" && $0.reason.contains("alias bomb") }, "\(result.skipped)")
    }

    func testIgnoredNamesAndMissingRoot() throws {
        let scratch = try Scratch()
        try scratch.write("a/main.tf", "")
        try scratch.write("a/SOURCE.json", "{}")
        try scratch.write("a/.terraform/providers/x.tf", "")
        let result = try ArchitectureScanner.scan(scratch.root, options: .init(ignoredNames: ["SOURCE.json"]))
        XCTAssertEqual(result.architectures.first?.files.map(\.path), ["main.tf"])
        XCTAssertThrowsError(try ArchitectureScanner.scan(scratch.root.appendingPathComponent("missing"))) { error in
            XCTAssertTrue("\(error)".contains("failed to scan"), "\(error)")
        }
    }

    /// Every corpus folder is found as exactly one architecture, of the kind its SOURCE.json records.
    func testCorpusFoldersAreExactlyTheArchitectures() throws {
        let root = try Corpus.root()
        let expected = try Corpus.expectedKinds(root)
        XCTAssertEqual(expected.count, 621)
        let watch = Stopwatch()
        let result = try ArchitectureScanner.scan(root, options: Corpus.scanOptions)
        print(
            "corpus scan: \(result.architectures.count) architectures, \(result.architectures.reduce(0) { $0 + $1.files.count }) files in \(watch.milliseconds) ms"
        )
        let found = Dictionary(uniqueKeysWithValues: result.architectures.map { ($0.folder, $0.kind.rawValue) })
        XCTAssertEqual(Set(expected.keys).subtracting(found.keys).sorted(), [], "corpus folders not found as architectures")
        XCTAssertEqual(Set(found.keys).subtracting(expected.keys).sorted(), [], "architectures that are not corpus folders")
        let wrong = expected.filter { found[$0.key] != nil && found[$0.key] != $0.value }
        XCTAssertTrue(wrong.isEmpty, "wrong kinds: \(wrong.map { "\($0.key): \(found[$0.key] ?? "-") != \($0.value)" }.sorted())")
        XCTAssertTrue(
            result.architectures.allSatisfy { $0.skipped.isEmpty },
            "\(result.architectures.filter { !$0.skipped.isEmpty }.map { ($0.folder, $0.skipped) })")
    }
}
