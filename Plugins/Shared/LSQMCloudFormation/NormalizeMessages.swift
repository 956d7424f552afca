import Foundation
import LSQMPluginKit

// The request and response types are LSQMPluginKit's (NormalizeRequest, NormalizeResponse, PluginFile,
// NormalizationResult): the host decodes plugin answers with the same types, so they cannot drift apart.

extension NormalizeResponse {
    static func failed(_ reason: String, resource: String = "", type: String = "") -> NormalizeResponse {
        NormalizeResponse(
            files: [],
            normalization: NormalizationResult(
                status: "failed", unsupported: [.init(resource: resource, type: type, reason: reason)], warnings: []))
    }
}

/// The version written into every generated file's header, so a changed translation changes the hash.
public enum NormalizerVersion {
    public static let current = "0.1.0"
}
