import Foundation
import LSQMBasics

/// A repository a fake GitHub serves: files by path at one commit.
public struct FakeRepository: Sendable {
    public var fullName: String
    public var commit: String
    public var files: [String: Data]
    public var archived = false
    public var fork = false
    public var license: String?
    /// The recursive tree answer is `truncated`, so clients must walk sub-trees.
    public var truncatedTree = false
    /// The tarball carries a `../` entry and a symbolic link pointing outside the archive.
    public var hostileTarball = false

    public init(fullName: String, commit: String, files: [String: Data], archived: Bool = false, fork: Bool = false, license: String? = nil) {
        self.fullName = fullName; self.commit = commit; self.files = files; self.archived = archived; self.fork = fork; self.license = license
    }

    public var owner: String { String(fullName.split(separator: "/").first ?? "") }
    public var name: String { String(fullName.split(separator: "/").last ?? "") }
}

/// Repositories rebuilt from `../shared/corpus` at test time (read in place, never copied into the package):
/// every architecture folder's files go back to their `source_path` in their source repository at the
/// recorded commit, and terraform-aws-modules repositories get their module root back from `_support`.
/// aws-cdk-examples, whose code the corpus does not hold, is generated from its index: small Python apps
/// (really synthesizable with aws-cdk-lib) and TypeScript app skeletons.
public enum FakeCorpus {
    struct Source: Decodable {
        struct File: Decodable {
            var file: String; var sourcePath: String
            enum CodingKeys: String, CodingKey { case file; case sourcePath = "source_path" }
        }
        var repo: String
        var commit: String
        var license: String?
        var files: [File]
    }

    /// - Parameter maxFoldersPerRepo: keeps test runs short for the largest repositories (serverless-patterns
    ///   alone has 400 architectures); folders are taken in name order.
    public static func repositories(corpus: URL, maxFoldersPerRepo: [String: Int] = [:]) throws -> [String: FakeRepository] {
        var repos: [String: FakeRepository] = [:]
        var folderCounts: [String: Int] = [:]
        for kind in ["terraform", "cloudformation", "sam", "serverless"] {
            let kindFolder = corpus.appendingPathComponent(kind, isDirectory: true)
            for name in ((try? FileManager.default.contentsOfDirectory(atPath: kindFolder.path)) ?? []).sorted() {
                let folder = kindFolder.appendingPathComponent(name, isDirectory: true)
                guard let data = try? Data(contentsOf: folder.appendingPathComponent("SOURCE.json")),
                    let source = try? JSONCoding.decode(Source.self, from: data)
                else { continue }
                if let limit = maxFoldersPerRepo[source.repo], folderCounts[source.repo, default: 0] >= limit { continue }
                folderCounts[source.repo, default: 0] += 1
                var repo = repos[source.repo] ?? FakeRepository(fullName: source.repo, commit: source.commit, files: [:], license: source.license)
                for file in source.files {
                    if let content = try? Data(contentsOf: folder.appendingPathComponent(file.file)) { repo.files[file.sourcePath] = content }
                }
                repos[source.repo] = repo
            }
        }
        let support = corpus.appendingPathComponent("_support/terraform-modules", isDirectory: true)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: support.path)) ?? [] {
            let fullName = name.replacingOccurrences(of: "__", with: "/")
            guard var repo = repos[fullName] else { continue }
            let root = support.appendingPathComponent(name, isDirectory: true)
            for path in Files.regularFiles(under: root) where path != "SOURCE.json" {
                repo.files[path] = try Data(contentsOf: root.appendingPathComponent(path))
            }
            repos[fullName] = repo
        }
        return repos
    }

    /// aws-samples/aws-cdk-examples from the corpus index: the first `pythonApps` Python apps as synthesizable
    /// apps creating the services their README names (where a construct is simple), and every TypeScript app
    /// as a skeleton (cdk.json, package.json, bin/app.ts) that needs npm to synthesize.
    public static func cdkExamples(corpus: URL, pythonApps: Int) throws -> FakeRepository {
        let index = try String(contentsOf: corpus.appendingPathComponent("cdk-examples-index.tsv"), encoding: .utf8)
        var files: [String: Data] = ["README.md": Data("# AWS CDK examples (fake)\n".utf8)]
        var python = 0
        for line in index.split(separator: "\n").dropFirst() {
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard columns.count >= 4 else { continue }
            let (folder, language, services) = (columns[0], columns[1], columns[3].split(separator: ",").map(String.init))
            switch language {
            case "python" where python < pythonApps:
                python += 1
                files["\(folder)/cdk.json"] = Data(#"{"app": "python3 app.py"}"#.utf8)
                files["\(folder)/requirements.txt"] = Data("aws-cdk-lib\nconstructs\n".utf8)
                files["\(folder)/app.py"] = Data(
                    pythonApp(stack: folder.split(separator: "/").last.map(String.init) ?? "App", services: services).utf8)
            case "typescript":
                files["\(folder)/cdk.json"] = Data(#"{"app": "npx ts-node --prefer-ts-exts bin/app.ts"}"#.utf8)
                files["\(folder)/package.json"] = Data(#"{"dependencies": {"aws-cdk-lib": "^2", "constructs": "^10"}}"#.utf8)
                files["\(folder)/bin/app.ts"] = Data("import * as cdk from 'aws-cdk-lib';\nconst app = new cdk.App();\n".utf8)
            default:
                continue
            }
        }
        return FakeRepository(
            fullName: "aws-samples/aws-cdk-examples", commit: SHA256.hex("aws-cdk-examples").prefix(40).description,
            files: files, license: "Apache-2.0")
    }

    static func pythonApp(stack: String, services: [String]) -> String {
        let stackName = stack.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        var body = ["        s3.Bucket(self, \"Bucket\")"]
        if services.contains("SQS") { body.append("        sqs.Queue(self, \"Queue\")") }
        if services.contains("SNS") { body.append("        sns.Topic(self, \"Topic\")") }
        if services.contains("DynamoDB") {
            body.append("        dynamodb.Table(self, \"Table\", partition_key=dynamodb.Attribute(name=\"id\", type=dynamodb.AttributeType.STRING))")
        }
        return """
            import aws_cdk as cdk
            from aws_cdk import aws_dynamodb as dynamodb, aws_s3 as s3, aws_sns as sns, aws_sqs as sqs


            class \(stackName.isEmpty ? "App" : stackName)Stack(cdk.Stack):
                def __init__(self, scope, construct_id, **kwargs):
                    super().__init__(scope, construct_id, **kwargs)
            \(body.joined(separator: "\n"))


            app = cdk.App()
            \(stackName.isEmpty ? "App" : stackName)Stack(app, "\(stackName.isEmpty ? "App" : stackName)")
            app.synth()

            """
    }
}
