import Foundation
import LSQMBasics
import LSQMPluginKit
import LSQMTemplates

/// A discovery source over a local folder: every folder under `path` that holds Terraform, a CloudFormation
/// or SAM template, or a serverless.yml is one architecture. File contents go back through the ABI.
///
/// Config: `{"path": "/dir", "ignore": ["SOURCE.json"]}`. Source URLs are `file://` URLs of the folders, so
/// a second run skips what the index already knows without reading it again.
public final class LocalDirectorySource: SourcePlugin {
    public static let name = "LocalDirectorySource"
    public static let version = "1.0.0"
    public static let description = "Architectures from a local folder tree"

    private let host: PluginHost
    private let root: URL
    private let ignore: Set<String>
    /// The scan is done once per instance; later pages of the same discovery reuse it.
    private var scanned: ArchitectureScanner.Result?

    public required init(host: PluginHost, config: JSONValue) throws {
        guard let path = config["path"]?.stringValue, !path.isEmpty else {
            throw PluginError("failed to configure LocalDirectorySource: config needs \"path\", the folder to scan")
        }
        let root = URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL
        guard Files.isDirectory(root) else {
            throw PluginError("failed to configure LocalDirectorySource: \(root.path) is not a directory")
        }
        self.host = host
        self.root = root
        self.ignore = Set(config["ignore"]?.arrayValue?.compactMap(\.stringValue) ?? [])
    }

    public func discover(_ request: DiscoverRequest) throws -> DiscoverResponse {
        let result = try scanned ?? scan()
        scanned = result
        let all = result.architectures
        let start = Int(request.cursor ?? "0") ?? 0
        let known = Set(request.knownSourceURLs)
        var response = DiscoverResponse()
        if start == 0 {
            // Files outside every architecture folder that were refused (links, binaries) are reported once.
            response.skipped = result.skipped.map { SkippedItem(sourceURL: root.appendingPathComponent($0.path).absoluteString, reason: $0.reason) }
        }
        var index = start
        while index < all.count, response.architectures.count < max(request.limit, 1) {
            if host.isCancelled { throw PluginCancelled() }
            let architecture = all[index]
            index += 1
            let folderURL = architecture.folderURL(under: root)
            let url = folderURL.absoluteString
            if known.contains(url) {
                response.alreadyKnown += 1
                continue
            }
            for skipped in architecture.skipped {
                response.skipped.append(SkippedItem(sourceURL: folderURL.appendingPathComponent(skipped.path).absoluteString, reason: skipped.reason))
            }
            response.architectures.append(
                DiscoveredItem(
                    sourceURL: url, name: architecture.name(under: root),
                    files: architecture.files.map { PluginFile(path: $0.path, data: $0.content) },
                    metadata: ["root": .string(root.path), "folder": .string(architecture.folder)]))
        }
        response.nextCursor = index < all.count ? String(index) : nil
        return response
    }

    private func scan() throws -> ArchitectureScanner.Result {
        let result = try ArchitectureScanner.scan(root, options: .init(ignoredNames: ignore))
        host.log(.info, "found \(result.architectures.count) architecture folders under \(root.path)")
        return result
    }
}

@_cdecl("lsqm_plugin_entry")
public func lsqm_plugin_entry() -> UnsafeRawPointer { PluginExport.source(LocalDirectorySource.self) }
