import Foundation
import LSQMBasics
import LSQMPluginKit

/// Settings every remote source reads from its plugin config.
///
/// Base URLs come from config keys, which the host fills from `LSQM_GITHUB_API_URL`, `LSQM_GITHUB_RAW_URL` and
/// `LSQM_TERRAFORM_REGISTRY_URL` (LSQMHost `DiscoveryEndpoints.pluginConfig`); a deployment may also set them
/// per source. A plugin never reads the environment and never sees a token: the host adds it on the wire.
public struct SourceSettings: Sendable {
    public var githubAPI: String
    public var githubRaw: String
    public var terraformRegistry: String
    /// The public web host used in source URLs (identity, not fetched).
    public var githubWeb: String
    public var config: JSONValue

    public init(config: JSONValue, host: PluginHost? = nil) {
        func value(_ key: String, _ fallback: String) -> String {
            let text = config[key]?.stringValue ?? host?.config(key)?.stringValue ?? fallback
            return text.hasSuffix("/") ? String(text.dropLast()) : text
        }
        self.config = config
        githubAPI = value("github_api_url", "https://api.github.com")
        githubRaw = value("github_raw_url", "https://raw.githubusercontent.com")
        terraformRegistry = value("terraform_registry_url", "https://registry.terraform.io")
        githubWeb = value("github_web_url", "https://github.com")
    }

    public func strings(_ key: String, default fallback: [String]) -> [String] {
        config[key]?.arrayValue?.compactMap(\.stringValue) ?? fallback
    }

    public func int(_ key: String, default fallback: Int) -> Int { config[key]?.intValue ?? fallback }

    public func bool(_ key: String, default fallback: Bool) -> Bool { config[key]?.boolValue ?? fallback }
}

/// What looking at one candidate produced.
public enum CandidateOutcome {
    case architecture(DiscoveredItem)
    case skipped(SkippedItem)
    /// One candidate that held several architectures (a module's examples); over-limit ones wait for the next page.
    case several(architectures: [DiscoveredItem], skipped: [SkippedItem], alreadyKnown: Int = 0)
    /// Every architecture it holds has a known source URL.
    case known(Int)
    /// Not an architecture after all: nothing to report.
    case none
}

/// Cursor paging shared by the remote sources: the first call lists candidates (cheap listing requests,
/// conditional so a second week costs 304s), every call then materializes up to `limit` of them (the
/// expensive file downloads), skipping known source URLs without downloading them. The cursor is the index of
/// the next candidate; an instance re-created between pages lists again (same answer, from the ETag cache).
public final class CandidatePager<Candidate> {
    private var candidates: [Candidate]?
    private var listingWarnings: [String] = []
    /// Architectures materialized past a page's limit, returned first on the next page of this instance.
    private var overflow: [DiscoveredItem] = []
    /// Failures in a row after which the source is taken to be unavailable and the call fails.
    public var consecutiveFailureLimit = 3

    public init() {}

    public func page(
        _ request: DiscoverRequest, host: PluginHost,
        list: () throws -> (candidates: [Candidate], warnings: [String]),
        sourceURL: (Candidate) -> String,
        materialize: (Candidate, DiscoverRequest) throws -> CandidateOutcome
    ) throws -> DiscoverResponse {
        do {
            return try pageOrThrow(request, host: host, list: list, sourceURL: sourceURL, materialize: materialize)
        } catch let dryRun as DryRunReached {
            // The host listed the request without sending it; without its answer there is nothing more to ask.
            candidates = nil
            return DiscoverResponse(warnings: ["dry run: stopped at the first request (\(dryRun.url)), which the host recorded without sending"])
        }
    }

    private func pageOrThrow(
        _ request: DiscoverRequest, host: PluginHost,
        list: () throws -> (candidates: [Candidate], warnings: [String]),
        sourceURL: (Candidate) -> String,
        materialize: (Candidate, DiscoverRequest) throws -> CandidateOutcome
    ) throws -> DiscoverResponse {
        var response = DiscoverResponse()
        if candidates == nil || request.cursor == nil {
            let listed = try list()
            candidates = listed.candidates
            listingWarnings = listed.warnings
        }
        let all = candidates ?? []
        if request.cursor == nil { response.warnings += listingWarnings }
        let known = Set(request.knownSourceURLs)
        var index = Int(request.cursor ?? "0") ?? 0
        var failures = 0
        if request.cursor == nil { overflow = [] }
        let held = overflow.prefix(max(request.limit, 1))
        response.architectures += held
        overflow.removeFirst(held.count)
        while index < all.count, response.architectures.count < max(request.limit, 1) {
            if host.isCancelled { throw PluginCancelled() }
            let candidate = all[index]
            index += 1
            let url = sourceURL(candidate)
            if known.contains(url) {
                response.alreadyKnown += 1
                continue
            }
            do {
                switch try materialize(candidate, request) {
                case .architecture(let item): response.architectures.append(item)
                case .skipped(let item): response.skipped.append(item)
                case .several(let architectures, let skipped, let alreadyKnown):
                    response.alreadyKnown += alreadyKnown
                    let room = max(max(request.limit, 1) - response.architectures.count, 0)
                    response.architectures += architectures.prefix(room)
                    overflow += architectures.dropFirst(room)
                    response.skipped += skipped
                case .known(let count): response.alreadyKnown += count
                case .none: break
                }
                failures = 0
            } catch let error as PluginCancelled {
                throw error
            } catch let error as DryRunReached {
                throw error
            } catch {
                failures += 1
                if failures >= consecutiveFailureLimit { throw error }
                response.warnings.append("\(url): \(LSQMError.describe(error))")
            }
        }
        response.nextCursor = index < all.count || !overflow.isEmpty ? String(index) : nil
        return response
    }
}

/// Link-header and registry pagination, as the services document them.
public enum Pagination {
    /// The `rel="next"` target of a `Link` header (see `HTTPResponse.nextLink(fromLinkHeader:)`).
    public static func nextLink(_ header: String?) -> String? { HTTPResponse.nextLink(fromLinkHeader: header) }

    /// Follows `Link: rel="next"` from `url`, decoding each page as `[T]`.
    public static func allPages<T: Decodable>(
        _ type: T.Type, host: PluginHost, url: String, headers: [String: String] = [:],
        maxPages: Int = 100
    ) throws -> [T] {
        var result: [T] = []
        var next: String? = url
        var pages = 0
        while let current = next, pages < maxPages {
            if host.isCancelled { throw PluginCancelled() }
            let response = try SourceHTTP.get(host, HTTPRequest(url: current, headers: headers))
            do { result += try JSONCoding.decode([T].self, from: response.data) } catch {
                throw PluginError("failed to decode \(current): \(LSQMError.describe(error))")
            }
            next = nextLink(response.headers["link"])
            pages += 1
        }
        return result
    }
}
