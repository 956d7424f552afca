import Foundation
import LSQMBasics
import LSQMTemplates

/// The shared development corpus (621 real architectures, `../shared/corpus` beside the package; `LSQM_CORPUS`
/// overrides). Tests read it in place and skip cleanly when it is absent (each test target turns `location == nil`
/// into its XCTSkip, since this target does not link XCTest).
public enum CorpusFixture {
    public static let kinds = ["terraform", "cloudformation", "sam", "serverless"]

    public static var location: URL? {
        if let path = ProcessInfo.processInfo.environment["LSQM_CORPUS"] { return URL(fileURLWithPath: path) }
        guard let corpus = BuildProducts.corpus, Files.isDirectory(corpus.appendingPathComponent("terraform")) else { return nil }
        return corpus.standardizedFileURL
    }

    /// Every corpus folder (`kind/name`) with the kind its SOURCE.json records.
    public static func expectedKinds(_ root: URL) throws -> [String: String] {
        var result: [String: String] = [:]
        for kind in kinds {
            for name in try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(kind).path) {
                let source = root.appendingPathComponent("\(kind)/\(name)/SOURCE.json")
                let json = try JSONDecoder().decode(JSONValue.self, from: try Data(contentsOf: source))
                result["\(kind)/\(name)"] = json["kind"]?.stringValue
            }
        }
        return result
    }

    /// SOURCE.json is the corpus's provenance, not part of an architecture; `_support` holds modules that
    /// examples reference, not architectures.
    public static let scanOptions = ArchitectureScanner.Options(ignoredNames: ["SOURCE.json", "_support"])
}

/// A scratch folder tree, removed when released.
public final class Scratch {
    public let root: URL
    public init() throws { root = try Files.makeTemporaryDirectory(prefix: "lsqm-test") }
    deinit { Files.remove(root) }

    @discardableResult
    public func write(_ relative: String, _ content: String) throws -> URL { try write(relative, Data(content.utf8)) }

    @discardableResult
    public func write(_ relative: String, _ data: Data) throws -> URL {
        let url = root.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
        return url
    }
}
