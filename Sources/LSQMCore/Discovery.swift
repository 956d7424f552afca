import Foundation
import LSQMBasics
import LSQMTemplates

/// One file of an architecture as it crosses stages: a relative path and its bytes.
public struct ArchitectureFile: Sendable, Equatable {
    public var path: String
    public var content: Data
    public init(path: String, content: Data) { self.path = path; self.content = content }
}

/// An architecture as a source plugin returned it, before the host inspects, normalizes and indexes it.
public struct DiscoveredArchitecture: Sendable, Equatable {
    public var sourceURL: String
    public var name: String
    /// The kind the source claims, if any; the host detects it from the content either way.
    public var declaredKind: ArchitectureKind?
    public var files: [ArchitectureFile]
    /// The plugin that found it.
    public var source: String
    public var provenance: JSONValue?

    public init(
        sourceURL: String, name: String, declaredKind: ArchitectureKind? = nil, files: [ArchitectureFile], source: String,
        provenance: JSONValue? = nil
    ) {
        self.sourceURL = sourceURL; self.name = name; self.declaredKind = declaredKind; self.files = files
        self.source = source; self.provenance = provenance
    }

    /// The content hash of its files (its future architecture id).
    public var contentHash: String { ContentHash.architecture(files: files.map { ($0.path, $0.content) }) }
}
