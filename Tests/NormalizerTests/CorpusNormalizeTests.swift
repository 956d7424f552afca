import Foundation
import LSQMBasics
import LSQMCloudFormation
import LSQMPluginKit
import XCTest

/// Normalizes every CloudFormation, SAM and Serverless architecture of ../shared/corpus. The output tree is
/// kept when LSQM_NORMALIZE_OUT names a directory (scripts/bench-normalize.sh validates it with terraform).
final class CorpusNormalizeTests: XCTestCase {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/corpus")
        .standardizedFileURL

    static func loadFiles(_ folder: URL) throws -> [PluginFile] {
        let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey])
        var files: [PluginFile] = []
        let base = folder.standardizedFileURL.path + "/"
        while let url = enumerator?.nextObject() as? URL {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
            let path = String(url.standardizedFileURL.path.dropFirst(base.count))
            let data = try Data(contentsOf: url)
            if let text = String(data: data, encoding: .utf8) {
                files.append(PluginFile(path: path, text: text))
            } else {
                files.append(PluginFile(path: path, data: data))
            }
        }
        return files.sorted { $0.path < $1.path }
    }

    static func cpuSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    func testNormalizeWholeCorpus() throws {
        guard FileManager.default.fileExists(atPath: Self.corpus.path) else { throw XCTSkip("corpus not found at \(Self.corpus.path)") }
        let keep = ProcessInfo.processInfo.environment["LSQM_NORMALIZE_OUT"].map { URL(fileURLWithPath: $0) }
        let out = keep ?? FileManager.default.temporaryDirectory.appendingPathComponent("lsqm-normalize-\(UUID().uuidString)")
        defer { if keep == nil { try? FileManager.default.removeItem(at: out) } }
        var normalizeSeconds = 0.0, normalizeCPUSeconds = 0.0
        var statuses: [String: [String: Int]] = [:]
        var unsupportedTypes: [String: Int] = [:]
        for kind in ["cloudformation", "sam", "serverless"] {
            let kindDir = Self.corpus.appendingPathComponent(kind)
            let folders = try FileManager.default.contentsOfDirectory(atPath: kindDir.path).sorted()
            for folder in folders {
                let files = try Self.loadFiles(kindDir.appendingPathComponent(folder))
                let request = NormalizeRequest(kind: kind, name: folder, sourceURL: "corpus/\(kind)/\(folder)", files: files)
                let start = Date(), cpuStart = Self.cpuSeconds()
                let response = kind == "serverless" ? ServerlessTranslator.normalize(request) : CloudFormationTranslator.normalize(request)
                normalizeSeconds += Date().timeIntervalSince(start)
                normalizeCPUSeconds += Self.cpuSeconds() - cpuStart
                statuses[kind, default: [:]][response.normalization.status, default: 0] += 1
                for item in response.normalization.unsupported { unsupportedTypes[item.type, default: 0] += 1 }
                let target = out.appendingPathComponent(kind).appendingPathComponent(folder)
                for file in response.files {
                    guard let data = file.data else { XCTFail("\(kind)/\(folder): \(file.path) has no content"); continue }
                    try AtomicFile.write(data, to: target.appendingPathComponent(file.path))
                }
                try AtomicFile.writeJSON(response.normalization, to: target.appendingPathComponent("normalization.json"))
                if response.normalization.status != "failed" {
                    XCTAssertTrue(response.files.contains { $0.path == "main.tf" }, "\(kind)/\(folder): no main.tf")
                }
            }
        }
        // CPU time says what normalizing costs; wall time also counts whatever else the machine runs.
        print(
            "normalize: \(String(format: "%.2f", normalizeCPUSeconds)) s CPU, \(String(format: "%.2f", normalizeSeconds)) s wall for the corpus (without validate)"
        )
        for (kind, counts) in statuses.sorted(by: { $0.key < $1.key }) {
            print("normalize: \(kind): " + counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        for (type, count) in unsupportedTypes.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }).prefix(20) {
            print("normalize: unsupported \(count) × \(type)")
        }
    }
}
