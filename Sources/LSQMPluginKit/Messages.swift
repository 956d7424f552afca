import Foundation

// The JSON documents that cross the plugin boundary, as Codable types. Their shapes are the schemas documented
// in lsqm_plugin.h; the host decodes plugin responses with these same types, so the two cannot drift apart.

/// A file carried inside JSON: UTF-8 text as `content`, anything else as `content_base64`.
public struct PluginFile: Codable, Sendable, Equatable {
    public var path: String
    public var content: String?
    public var contentBase64: String?

    public init(path: String, data: Data) {
        self.path = path
        // Valid UTF-8 without NUL travels as text (readable, smaller); everything else as base64.
        if !data.contains(0), let text = String(data: data, encoding: .utf8) {
            content = text
        } else {
            contentBase64 = data.base64EncodedString()
        }
    }

    public init(path: String, text: String) { self.path = path; self.content = text }

    /// The file's bytes; nil when neither field holds valid data.
    public var data: Data? {
        if let content { return Data(content.utf8) }
        if let contentBase64 { return Data(base64Encoded: contentBase64) }
        return nil
    }

    enum CodingKeys: String, CodingKey {
        case path, content
        case contentBase64 = "content_base64"
    }
}

/// The error object a failed call returns: `{"error": "failed to …", "retryable": bool}`.
public struct PluginError: Error, Codable, Sendable, Equatable, CustomStringConvertible {
    public var error: String
    public var retryable: Bool
    public init(_ message: String, retryable: Bool = false) { self.error = message; self.retryable = retryable }
    public var description: String { error }

    enum CodingKeys: String, CodingKey { case error, retryable }

    /// `retryable` may be left out (a C plugin's `{"error": "…"}`): then it is false, as the header says.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        error = try container.decode(String.self, forKey: .error)
        retryable = try container.decodeIfPresent(Bool.self, forKey: .retryable) ?? false
    }

    /// A readable sentence for any error a plugin meets (decoding errors name the key and path).
    public static func describe(_ error: any Error) -> String {
        if let convertible = error as? PluginErrorConvertible { return convertible.pluginError.error }
        if let plugin = error as? PluginError { return plugin.error }
        if let decoding = error as? DecodingError {
            func path(_ codingPath: [any CodingKey]) -> String {
                codingPath.isEmpty ? "top level" : codingPath.map(\.stringValue).joined(separator: ".")
            }
            switch decoding {
            case .dataCorrupted(let context): return "invalid data at \(path(context.codingPath)): \(context.debugDescription)"
            case .keyNotFound(let key, let context): return "missing key '\(key.stringValue)' at \(path(context.codingPath))"
            case .typeMismatch(_, let context): return "wrong type at \(path(context.codingPath)): \(context.debugDescription)"
            case .valueNotFound(_, let context): return "missing value at \(path(context.codingPath))"
            @unknown default: return "\(decoding)"
            }
        }
        let ns = error as NSError
        if ns.domain == NSCocoaErrorDomain || ns.domain == NSPOSIXErrorDomain { return ns.localizedDescription }
        return "\(error)"
    }
}

/// An error type of a library a plugin uses that knows its own plugin-facing sentence (lsqm's LSQMError does).
public protocol PluginErrorConvertible: Error {
    var pluginError: PluginError { get }
}

// MARK: Source

public struct DiscoverRequest: Codable, Sendable, Equatable {
    public var knownSourceURLs: [String]
    public var knownHashes: [String]
    public var cursor: String?
    public var limit: Int
    public var dryRun: Bool

    public init(knownSourceURLs: [String] = [], knownHashes: [String] = [], cursor: String? = nil, limit: Int = 100, dryRun: Bool = false) {
        self.knownSourceURLs = knownSourceURLs; self.knownHashes = knownHashes; self.cursor = cursor
        self.limit = limit; self.dryRun = dryRun
    }

    enum CodingKeys: String, CodingKey {
        case cursor, limit
        case knownSourceURLs = "known_source_urls"
        case knownHashes = "known_hashes"
        case dryRun = "dry_run"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        knownSourceURLs = try c.decodeIfPresent([String].self, forKey: .knownSourceURLs) ?? []
        knownHashes = try c.decodeIfPresent([String].self, forKey: .knownHashes) ?? []
        cursor = try c.decodeIfPresent(String.self, forKey: .cursor)
        limit = try c.decodeIfPresent(Int.self, forKey: .limit) ?? 100
        dryRun = try c.decodeIfPresent(Bool.self, forKey: .dryRun) ?? false
    }
}

public struct DiscoveredItem: Codable, Sendable, Equatable {
    public var sourceURL: String
    public var name: String
    public var kind: String?
    public var files: [PluginFile]
    public var metadata: JSONValue?

    public init(sourceURL: String, name: String, kind: String? = nil, files: [PluginFile], metadata: JSONValue? = nil) {
        self.sourceURL = sourceURL; self.name = name; self.kind = kind; self.files = files; self.metadata = metadata
    }

    enum CodingKeys: String, CodingKey {
        case name, kind, files, metadata
        case sourceURL = "source_url"
    }
}

public struct SkippedItem: Codable, Sendable, Equatable {
    public var sourceURL: String
    public var reason: String
    public init(sourceURL: String, reason: String) { self.sourceURL = sourceURL; self.reason = reason }
    enum CodingKeys: String, CodingKey {
        case reason
        case sourceURL = "source_url"
    }
}

public struct DiscoverResponse: Codable, Sendable, Equatable {
    public var architectures: [DiscoveredItem]
    public var skipped: [SkippedItem]
    public var warnings: [String]
    public var nextCursor: String?
    /// How many architectures this page passed over because their source URL was in `known_source_urls`: the host
    /// reports "found N, K already known" instead of a second week that seems to find nothing.
    public var alreadyKnown: Int

    public init(
        architectures: [DiscoveredItem] = [], skipped: [SkippedItem] = [], warnings: [String] = [], nextCursor: String? = nil,
        alreadyKnown: Int = 0
    ) {
        self.architectures = architectures; self.skipped = skipped; self.warnings = warnings; self.nextCursor = nextCursor
        self.alreadyKnown = alreadyKnown
    }

    enum CodingKeys: String, CodingKey {
        case architectures, skipped, warnings
        case nextCursor = "next_cursor"
        case alreadyKnown = "already_known"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        architectures = try c.decodeIfPresent([DiscoveredItem].self, forKey: .architectures) ?? []
        skipped = try c.decodeIfPresent([SkippedItem].self, forKey: .skipped) ?? []
        warnings = try c.decodeIfPresent([String].self, forKey: .warnings) ?? []
        nextCursor = try c.decodeIfPresent(String.self, forKey: .nextCursor)
        alreadyKnown = max(try c.decodeIfPresent(Int.self, forKey: .alreadyKnown) ?? 0, 0)
    }
}

// MARK: Normalizer

public struct NormalizeRequest: Codable, Sendable, Equatable {
    public var kind: String
    public var name: String
    public var sourceURL: String?
    public var files: [PluginFile]

    public init(kind: String, name: String, sourceURL: String? = nil, files: [PluginFile]) {
        self.kind = kind; self.name = name; self.sourceURL = sourceURL; self.files = files
    }

    enum CodingKeys: String, CodingKey {
        case kind, name, files
        case sourceURL = "source_url"
    }
}

public struct NormalizationResult: Codable, Sendable, Equatable {
    public struct Unsupported: Codable, Sendable, Equatable {
        public var resource: String
        public var type: String
        public var reason: String
        public init(resource: String, type: String, reason: String) { self.resource = resource; self.type = type; self.reason = reason }
    }
    /// A value the template expects from its deployer: invented by the normalizer (`value` set, `how` says how it
    /// was chosen or what was created for it), or one only the template's author can give (`value` nil, `how`
    /// says what is missing; the status is then "needs_input").
    public struct Input: Codable, Sendable, Equatable {
        public var parameter: String
        public var value: String?
        public var how: String
        public init(parameter: String, value: String?, how: String) { self.parameter = parameter; self.value = value; self.how = how }
    }
    /// "full" (nothing invented or dropped), "partial" (see unsupported, warnings, inputs), "needs_input" (see
    /// the inputs without a value; not deployable as is) or "failed".
    public var status: String
    public var unsupported: [Unsupported]
    public var warnings: [String]
    /// Optional on the wire: normalizers written before this key existed leave it out (nil).
    public var inputs: [Input]?

    public init(status: String, unsupported: [Unsupported] = [], warnings: [String] = [], inputs: [Input]? = nil) {
        self.status = status; self.unsupported = unsupported; self.warnings = warnings; self.inputs = inputs
    }
}

public struct NormalizeResponse: Codable, Sendable, Equatable {
    public var files: [PluginFile]
    public var normalization: NormalizationResult
    public init(files: [PluginFile], normalization: NormalizationResult) { self.files = files; self.normalization = normalization }
}

// MARK: Notifier

/// The run summary every notifier receives.
public struct RunSummary: Codable, Sendable, Equatable {
    public struct Counts: Codable, Sendable, Equatable {
        public var total = 0, passed = 0, partial = 0, failed = 0, timeout = 0, error = 0
        public init() {}
    }
    public struct NewArchitecture: Codable, Sendable, Equatable {
        public var arch: String
        public var name: String
        public var sourceURL: String
        public init(arch: String, name: String, sourceURL: String) { self.arch = arch; self.name = name; self.sourceURL = sourceURL }
        enum CodingKeys: String, CodingKey { case arch, name; case sourceURL = "source_url" }
    }
    public struct Regression: Codable, Sendable, Equatable {
        public var arch: String
        public var name: String
        public var sourceURL: String
        public var services: [String]
        public var previousRunID: String
        public var status: String
        public var failedStep: String?
        public var logExcerpt: String?
        /// Reported in an earlier run and still failing: follow up rather than announce.
        public var ongoing: Bool?
        /// False when this run could not check the regression (an ERROR week): still open, not checked.
        public var checked: Bool?
        /// The failing checks with their failure signatures.
        public var signatures: [String]?
        public init(
            arch: String, name: String, sourceURL: String, services: [String], previousRunID: String, status: String,
            failedStep: String? = nil, logExcerpt: String? = nil, ongoing: Bool? = nil, checked: Bool? = nil, signatures: [String]? = nil
        ) {
            self.arch = arch; self.name = name; self.sourceURL = sourceURL; self.services = services
            self.previousRunID = previousRunID; self.status = status; self.failedStep = failedStep; self.logExcerpt = logExcerpt
            self.ongoing = ongoing; self.checked = checked; self.signatures = signatures
        }
        enum CodingKeys: String, CodingKey {
            case arch, name, services, status, ongoing, checked, signatures
            case sourceURL = "source_url"
            case previousRunID = "previous_run_id"
            case failedStep = "failed_step"
            case logExcerpt = "log_excerpt"
        }
    }

    /// An architecture whose open regressions all passed again in this run.
    public struct Resolved: Codable, Sendable, Equatable {
        public var arch: String
        public var name: String
        /// The signatures its regressions were confirmed with.
        public var signatures: [String]
        /// The run in which the oldest of them was confirmed.
        public var openedRunID: String
        public init(arch: String, name: String, signatures: [String], openedRunID: String) {
            self.arch = arch; self.name = name; self.signatures = signatures; self.openedRunID = openedRunID
        }
        enum CodingKeys: String, CodingKey {
            case arch, name, signatures
            case openedRunID = "opened_run_id"
        }
    }

    public var runID: String
    public var startedAt: String?
    public var finishedAt: String?
    public var dryRun: Bool
    public var counts: Counts
    public var passRate: Double?
    public var previousPassRate: Double?
    public var newArchitectures: [NewArchitecture]
    public var regressions: [Regression]
    /// Absent from hosts older than this field: nothing is known to be resolved.
    public var resolved: [Resolved]?
    public var reportURL: String?

    public init(
        runID: String, startedAt: String? = nil, finishedAt: String? = nil, dryRun: Bool = false, counts: Counts = Counts(),
        passRate: Double? = nil, previousPassRate: Double? = nil, newArchitectures: [NewArchitecture] = [],
        regressions: [Regression] = [], resolved: [Resolved]? = nil, reportURL: String? = nil
    ) {
        self.runID = runID; self.startedAt = startedAt; self.finishedAt = finishedAt; self.dryRun = dryRun; self.counts = counts
        self.passRate = passRate; self.previousPassRate = previousPassRate; self.newArchitectures = newArchitectures
        self.regressions = regressions; self.resolved = resolved; self.reportURL = reportURL
    }

    enum CodingKeys: String, CodingKey {
        case counts, regressions, resolved
        case runID = "run_id"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case dryRun = "dry_run"
        case passRate = "pass_rate"
        case previousPassRate = "previous_pass_rate"
        case newArchitectures = "new_architectures"
        case reportURL = "report_url"
    }
}

public struct NotifyResponse: Codable, Sendable, Equatable {
    public var delivered: Bool
    public var detail: String?
    public init(delivered: Bool, detail: String? = nil) { self.delivered = delivered; self.detail = detail }
}

// MARK: Host HTTP

public struct HTTPRequest: Codable, Sendable, Equatable {
    public var method: String
    public var url: String
    public var headers: [String: String]
    public var body: String?
    public var bodyBase64: String?
    public var cache: Bool?
    public var timeoutSeconds: Double?

    public init(
        method: String = "GET", url: String, headers: [String: String] = [:], body: String? = nil, cache: Bool? = nil, timeoutSeconds: Double? = nil
    ) {
        self.method = method; self.url = url; self.headers = headers; self.body = body; self.cache = cache; self.timeoutSeconds = timeoutSeconds
    }

    enum CodingKeys: String, CodingKey {
        case method, url, headers, body, cache
        case bodyBase64 = "body_base64"
        case timeoutSeconds = "timeout_seconds"
    }

    /// Only `url` is required: a C plugin may send `{"url": "…"}` for a plain GET.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        method = try c.decodeIfPresent(String.self, forKey: .method) ?? "GET"
        url = try c.decode(String.self, forKey: .url)
        headers = try c.decodeIfPresent([String: String].self, forKey: .headers) ?? [:]
        body = try c.decodeIfPresent(String.self, forKey: .body)
        bodyBase64 = try c.decodeIfPresent(String.self, forKey: .bodyBase64)
        cache = try c.decodeIfPresent(Bool.self, forKey: .cache)
        timeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .timeoutSeconds)
    }
}

public struct HTTPResponse: Codable, Sendable, Equatable {
    public var status: Int
    public var headers: [String: String]
    public var body: String?
    public var bodyBase64: String?
    public var fromCache: Bool?
    public var dryRun: Bool?

    public init(status: Int, headers: [String: String] = [:], body: Data = Data(), fromCache: Bool = false, dryRun: Bool = false) {
        self.status = status; self.headers = headers
        if let text = String(data: body, encoding: .utf8), !body.contains(0) {
            self.body = text
        } else {
            self.bodyBase64 = body.base64EncodedString()
        }
        self.fromCache = fromCache; self.dryRun = dryRun
    }

    /// The body's bytes.
    public var data: Data {
        if let body { return Data(body.utf8) }
        if let bodyBase64, let data = Data(base64Encoded: bodyBase64) { return data }
        return Data()
    }

    enum CodingKeys: String, CodingKey {
        case status, headers, body
        case bodyBase64 = "body_base64"
        case fromCache = "from_cache"
        case dryRun = "dry_run"
    }
}

extension HTTPResponse {
    /// The `rel="next"` target of an RFC 8288 `Link` header (GitHub: `<url>; rel="next", <url>; rel="last"`),
    /// for plugins that page through an API.
    public static func nextLink(fromLinkHeader header: String?) -> String? {
        guard let header else { return nil }
        for part in header.split(separator: ",") {
            let fields = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let target = fields.first, target.hasPrefix("<"), target.hasSuffix(">") else { continue }
            if fields.dropFirst().contains(where: { $0.replacingOccurrences(of: " ", with: "") == "rel=\"next\"" || $0 == "rel=next" }) {
                return String(target.dropFirst().dropLast())
            }
        }
        return nil
    }

    /// This response's next page, from its `link` header.
    public var nextLink: String? { HTTPResponse.nextLink(fromLinkHeader: headers["link"]) }
}
