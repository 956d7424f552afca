import Foundation
import LSQMBasics
import LSQMPluginKit

/// Thrown when the host answers in dry-run mode: nothing was sent, so there is nothing to read and the source
/// ends its discovery (the host has recorded the request for the `--dry-run` listing).
public struct DryRunReached: Error, Sendable {
    public var url: String
}

/// The requests sources make through the host, with one rule for answers: 2xx (or a 304 the host answered from
/// its cache) is content, a dry-run answer ends the discovery, anything else is an error naming the URL.
public enum SourceHTTP {
    public static func get(_ host: PluginHost, _ request: HTTPRequest) throws -> HTTPResponse {
        let response = try host.http(request)
        if response.dryRun == true { throw DryRunReached(url: request.url) }
        guard (200..<300).contains(response.status) else {
            throw PluginError("failed to fetch \(request.url): HTTP \(response.status)", retryable: response.status >= 500 || response.status == 429)
        }
        return response
    }

    public static func json<T: Decodable>(_ type: T.Type, _ host: PluginHost, url: String, headers: [String: String] = [:]) throws -> T {
        let response = try get(host, HTTPRequest(url: url, headers: headers))
        do { return try JSONCoding.decode(type, from: response.data) } catch {
            throw PluginError("failed to decode \(url): \(LSQMError.describe(error))")
        }
    }
}
