// LSQMMine: the mine stage. Sources (plugins) discover architectures; `ArchitectureIndexer` inspects,
// deduplicates, normalizes and stores them; `LocalArchitectures` is the in-process form of the
// LocalDirectorySource plugin.
import Foundation
import LSQMBasics
import LSQMCore
import LSQMTemplates

/// Architectures found in a local directory, as a source hands them to the indexer.
public enum LocalArchitectures {
    public static let sourceName = "LocalDirectorySource"

    /// Scans `root` (see `ArchitectureScanner`) and turns each architecture into a `DiscoveredArchitecture`
    /// whose source URL and name are the ones the LocalDirectorySource plugin gives it. Files the scanner
    /// skipped travel in the provenance (`skipped_files`), so the index keeps the reasons.
    public static func discover(
        _ root: URL, options: ArchitectureScanner.Options = .init()
    ) throws -> (architectures: [DiscoveredArchitecture], skipped: [ArchitectureScanner.SkippedFile]) {
        let result = try ArchitectureScanner.scan(root, options: options)
        let base = URL(fileURLWithPath: root.standardizedFileURL.path, isDirectory: true)
        let architectures = result.architectures.map { scanned -> DiscoveredArchitecture in
            var provenance: JSONValue?
            if !scanned.skipped.isEmpty {
                provenance = ["skipped_files": .array(scanned.skipped.map { ["path": .string($0.path), "reason": .string($0.reason)] })]
            }
            return DiscoveredArchitecture(
                sourceURL: scanned.folderURL(under: base).absoluteString, name: scanned.name(under: base),
                declaredKind: scanned.kind,
                files: scanned.files.map { ArchitectureFile(path: $0.path, content: $0.content) },
                source: sourceName, provenance: provenance)
        }
        return (architectures, result.skipped)
    }
}
