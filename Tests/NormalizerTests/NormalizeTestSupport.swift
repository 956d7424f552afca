import Foundation
import LSQMCloudFormation
import LSQMPluginKit
import XCTest

/// Runs a template through the translator the way the plugins do, and gives the HCL and record back.
struct Normalized {
    let response: NormalizeResponse
    var main: String { response.files.first { $0.path == "main.tf" }?.content ?? "" }
    var record: NormalizationResult { response.normalization }
    var prerequisites: String { response.files.first { $0.path == "lsqm_prerequisites.tf" }?.content ?? "" }

    init(_ template: String, kind: String = "cloudformation", path: String = "template.yaml", files: [PluginFile] = []) {
        self.init(
            request: NormalizeRequest(
                kind: kind, name: "unit/\(kind)-test", sourceURL: "https://example.com/\(kind)",
                files: [PluginFile(path: path, text: template)] + files))
    }

    init(request: NormalizeRequest) {
        response = request.kind == "serverless" ? ServerlessTranslator.normalize(request) : CloudFormationTranslator.normalize(request)
    }

    /// The text of `resource "type" "name" { … }` (or any top-level block starting with `header`).
    func block(_ header: String) -> String {
        guard let start = main.range(of: header + " {") ?? main.range(of: header + " {}") else { return "" }
        let rest = main[start.lowerBound...]
        guard let end = rest.range(of: "\n}\n") ?? rest.range(of: "{}\n") else { return String(rest) }
        return String(rest[..<end.upperBound])
    }
}

func XCTAssertContains(_ text: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertTrue(text.contains(expected), "expected to find:\n\(expected)\n--- in:\n\(text)", file: file, line: line)
}
