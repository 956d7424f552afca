import Foundation
import LSQMBasics

/// One file of an architecture, as it crosses the plugin boundary: text in `content`, anything else
/// base64 in `content_base64` (lsqm_plugin.h, normalize request/response).
public struct ArchitectureFile: Codable, Sendable, Equatable {
    public var path: String
    public var content: String?
    public var contentBase64: String?

    enum CodingKeys: String, CodingKey {
        case path, content
        case contentBase64 = "content_base64"
    }

    public init(path: String, content: String) { self.path = path; self.content = content }
    public init(path: String, data: Data) {
        self.path = path
        self.contentBase64 = data.base64EncodedString()
    }

    /// The file's bytes, whichever way they were sent.
    public var data: Data? {
        if let content { return Data(content.utf8) }
        if let contentBase64 { return Data(base64Encoded: contentBase64) }
        return nil
    }
}

/// The normalize request of lsqm_plugin.h: `{kind, name, source_url, files}`.
public struct NormalizeRequest: Codable, Sendable {
    public var kind: String
    public var name: String
    public var sourceURL: String?
    public var files: [ArchitectureFile]

    enum CodingKeys: String, CodingKey {
        case kind, name, files
        case sourceURL = "source_url"
    }

    public init(kind: String, name: String, sourceURL: String? = nil, files: [ArchitectureFile]) {
        self.kind = kind; self.name = name; self.sourceURL = sourceURL; self.files = files
    }
}

/// What could not be translated, and why: nothing is dropped silently.
public struct NormalizationRecord: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable { case full, partial, failed }
    public struct Unsupported: Codable, Sendable, Equatable {
        public var resource: String
        public var type: String
        public var reason: String
        public init(resource: String, type: String, reason: String) {
            self.resource = resource; self.type = type; self.reason = reason
        }
    }
    public var status: Status
    public var unsupported: [Unsupported]
    public var warnings: [String]

    public init(status: Status, unsupported: [Unsupported] = [], warnings: [String] = []) {
        self.status = status; self.unsupported = unsupported; self.warnings = warnings
    }
}

/// The normalize response of lsqm_plugin.h: `{files, normalization}`.
public struct NormalizeResponse: Codable, Sendable {
    public var files: [ArchitectureFile]
    public var normalization: NormalizationRecord

    public init(files: [ArchitectureFile], normalization: NormalizationRecord) {
        self.files = files; self.normalization = normalization
    }

    static func failed(_ reason: String, resource: String = "", type: String = "") -> NormalizeResponse {
        NormalizeResponse(files: [], normalization: NormalizationRecord(
            status: .failed, unsupported: [.init(resource: resource, type: type, reason: reason)], warnings: []))
    }
}

/// The version written into every generated file's header, so a changed translation changes the hash.
public enum NormalizerVersion {
    public static let current = "0.1.0"
}
