import Foundation
import LSQMBasics
import LSQMCore

@testable import LSQMGenerate

/// Test architectures and artifact stores.
enum Fixture {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures", isDirectory: true)

    static func architecture(_ name: String) -> URL { directory.appendingPathComponent(name, isDirectory: true) }

    static func facts(_ name: String) -> TerraformFacts { TerraformFacts.scan(directory: architecture(name)) }

    /// A fresh artifact store holding the given architectures (name → Terraform files); returns it and the ids.
    static func store(_ architectures: [(name: String, files: [(path: String, content: Data)])]) throws -> (ArtifactStore, [String]) {
        let root = try Files.makeTemporaryDirectory(prefix: "lsqm-generate-test")
        let store = ArtifactStore(root: root)
        try store.initializeLayout()
        var index = try store.loadIndex()
        var ids: [String] = []
        for (name, files) in architectures {
            let id = ContentHash.architecture(files: files)
            let architecture = Architecture(
                id: id, name: name, kind: .terraform, sourceURL: "test://\(name)", source: "test",
                services: ["s3"], resourceCount: 1, files: files.map(\.path), discoveredAt: Date())
            try store.saveArchitecture(architecture, originalFiles: files, terraformFiles: files)
            index.architectures[id] = architecture
            ids.append(id)
        }
        try store.saveIndex(index)
        return (store, ids.sorted())
    }

    /// One small Terraform architecture per name, each different.
    static func simpleArchitectures(_ names: [String]) -> [(name: String, files: [(path: String, content: Data)])] {
        names.map { name in
            (
                name,
                [
                    (
                        "main.tf",
                        Data(
                            "resource \"aws_s3_bucket\" \"b\" {\n  bucket = \"\(name)\"\n}\n\noutput \"bucket\" {\n  value = aws_s3_bucket.b.bucket\n}\n"
                                .utf8)
                    )
                ]
            )
        }
    }

    /// The files of a small valid app, as the model's tool input.
    static func goodApp(bucketCheck: String = "assert isinstance(buckets, list)") -> [String: String] {
        [
            "conftest_py": RulePython.conftest,
            "app_py": "def bucket_names(s3):\n    return [b[\"Name\"] for b in s3.list_buckets().get(\"Buckets\", [])]\n",
            "test_app_py":
                "from app import bucket_names\n\n\ndef test_bucket_is_listed(client, outputs):\n    buckets = bucket_names(client(\"s3\"))\n    \(bucketCheck)\n    assert outputs[\"bucket\"] in buckets\n",
            "requirements_txt": "boto3\npytest\n",
        ]
    }

    static func brokenApp() -> [String: String] {
        var files = goodApp()
        files["test_app_py"] = "def test_broken(client:\n    assert True\n"
        return files
    }

    static func localStackApp() -> [String: String] {
        var files = goodApp()
        files["conftest_py"] = RulePython.conftest.replacingOccurrences(
            of: "return boto3.client\n",
            with: "return lambda name: boto3.client(name, endpoint_url=\"http://localhost:4566\")\n")
        return files
    }
}
