import Foundation
import LSQMBasics
import LSQMCore
import LSQMHost
import LSQMMine
import LSQMTestSupport
import XCTest

/// ServerlessNormalizer joined CloudFormationNormalizer: a config written before still normalizes Serverless
/// services, and says which plugin it uses instead of skipping them all week.
final class NormalizerRenameTests: XCTestCase {
    func testAConfigNamingTheMergedServerlessNormalizerStillNormalizes() async throws {
        let plugins = try Files.makeTemporaryDirectory(prefix: "lsqm-normalizer-rename")
        defer { Files.remove(plugins) }
        // Only today's library: a stale libServerlessNormalizer.so in a build folder must not answer for it.
        try FileManager.default.copyItem(
            at: BuildProducts.plugin("CloudFormationNormalizer"), to: plugins.appendingPathComponent("libCloudFormationNormalizer.so"))
        let manager = PluginManager(
            directories: [PluginDirectory(url: plugins, origin: .builtIn)], isolation: .isolated, workerExecutable: BuildProducts.lsqm,
            cacheRoot: plugins.appendingPathComponent("cache"), callTimeout: .seconds(120))
        let lines = Locked<[String]>([])
        let logger = Logger(format: .json, minimumLevel: .info, redactor: SecretRedactor()) { line in lines.withLock { $0.append(line) } }
        let dispatch = NormalizerDispatch(manager: manager, selections: [PluginSelection(name: "ServerlessNormalizer")], logger: logger)
        let service = """
            service: hello
            provider: {name: aws, runtime: python3.12}
            functions:
              hello:
                handler: handler.hello
                events:
                  - http: GET hello
            """
        let architecture = DiscoveredArchitecture(
            sourceURL: "https://example.com/hello", name: "hello",
            files: [
                ArchitectureFile(path: "serverless.yml", content: Data(service.utf8)),
                ArchitectureFile(path: "handler.py", content: Data("def hello(event, context):\n    return {}\n".utf8)),
            ], source: "test")
        for _ in 0..<2 {
            let output = try await dispatch.normalize(architecture, kind: .serverless)
            XCTAssertEqual(output.record.normalizer, "CloudFormationNormalizer")
            let main = try XCTUnwrap(output.terraformFiles.first { $0.path == "main.tf" }).content
            XCTAssertTrue(String(decoding: main, as: UTF8.self).contains(#"resource "aws_api_gateway_method" "ApiGatewayMethodHelloGet""#))
        }
        let renamed = lines.withLock { $0 }.filter { $0.contains("normalizer_renamed") }
        XCTAssertEqual(renamed.count, 1, "said once: \(lines.withLock { $0 })")
        XCTAssertTrue(renamed.first?.contains("ServerlessNormalizer is now part of CloudFormationNormalizer") ?? false)
        await dispatch.shutdown()
    }
}
