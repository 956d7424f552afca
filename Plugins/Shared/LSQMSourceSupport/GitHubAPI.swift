import Foundation
import LSQMBasics
import LSQMPluginKit

/// The GitHub REST calls the sources need, through the host (which adds the token and handles rate limits).
public struct GitHubAPI {
    public struct Repository: Decodable, Sendable {
        public var name: String
        public var fullName: String
        public var archived: Bool
        public var fork: Bool
        public var defaultBranch: String
        public var license: License?
        public struct License: Decodable, Sendable {
            public var spdxID: String?
            enum CodingKeys: String, CodingKey { case spdxID = "spdx_id" }
        }

        enum CodingKeys: String, CodingKey {
            case name, archived, fork, license
            case fullName = "full_name"
            case defaultBranch = "default_branch"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            fullName = try c.decode(String.self, forKey: .fullName)
            archived = try c.decodeIfPresent(Bool.self, forKey: .archived) ?? false
            fork = try c.decodeIfPresent(Bool.self, forKey: .fork) ?? false
            defaultBranch = try c.decodeIfPresent(String.self, forKey: .defaultBranch) ?? "main"
            license = try c.decodeIfPresent(License.self, forKey: .license)
        }
    }

    /// One blob of a repository tree.
    public struct TreeFile: Sendable, Equatable {
        public var path: String
        public var size: Int
        public var sha: String
        public init(path: String, size: Int, sha: String) { self.path = path; self.size = size; self.sha = sha }
    }

    struct TreeResponse: Decodable {
        struct Item: Decodable { var path: String; var type: String; var sha: String; var size: Int?; var mode: String? }
        var sha: String
        var tree: [Item]
        var truncated: Bool?
    }

    public let host: PluginHost
    public let settings: SourceSettings
    /// "raw" (default): files from the raw host, which costs no API quota; "contents": the contents API,
    /// base64 JSON up to 1 MB and the raw media type above.
    public let fileFetch: String
    /// GitHub's contents API returns file content inline only up to this size.
    public static let contentsInlineLimit = 1 << 20
    static let apiHeaders = ["Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"]

    /// The API for a source instance, its settings read from the instance's config.
    public init(host: PluginHost, config: JSONValue) {
        self.init(host: host, settings: SourceSettings(config: config, host: host))
    }

    public init(host: PluginHost, settings: SourceSettings) {
        self.host = host
        self.settings = settings
        self.fileFetch = settings.config["file_fetch"]?.stringValue ?? "raw"
    }

    /// An organization's public repositories, most recently pushed first, up to `maxPages` pages of 100.
    public func repositories(org: String, maxPages: Int = 100) throws -> [Repository] {
        try Pagination.allPages(
            Repository.self, host: host,
            url: "\(settings.githubAPI)/orgs/\(escape(org))/repos?type=public&sort=pushed&direction=desc&per_page=100",
            headers: GitHubAPI.apiHeaders, maxPages: maxPages)
    }

    /// One repository.
    public func repository(_ fullName: String) throws -> Repository {
        try SourceHTTP.json(Repository.self, host, url: "\(settings.githubAPI)/repos/\(fullName)", headers: GitHubAPI.apiHeaders)
    }

    /// The commit a branch points at.
    public func headCommit(_ fullName: String, branch: String) throws -> String {
        struct Branch: Decodable { struct Commit: Decodable { var sha: String }; var commit: Commit }
        return try SourceHTTP.json(
            Branch.self, host, url: "\(settings.githubAPI)/repos/\(fullName)/branches/\(escape(branch))",
            headers: GitHubAPI.apiHeaders
        ).commit.sha
    }

    /// Every blob at `commit`. A truncated recursive answer (over 100,000 entries or 7 MB) is completed by
    /// walking the sub-trees one at a time without `recursive`, as GitHub documents.
    public func files(_ fullName: String, commit: String) throws -> [TreeFile] {
        let root = try tree(fullName, sha: commit, recursive: true)
        guard root.truncated == true else { return GitHubAPI.blobs(root.tree, prefix: "") }
        var result: [TreeFile] = []
        var pending: [(sha: String, prefix: String)] = [(commit, "")]
        while let (sha, prefix) = pending.popLast() {
            if host.isCancelled { throw PluginCancelled() }
            let level = try tree(fullName, sha: sha, recursive: false)
            result += GitHubAPI.blobs(level.tree, prefix: prefix)
            pending += level.tree.filter { $0.type == "tree" }.map { ($0.sha, prefix + $0.path + "/") }
        }
        return result.sorted { $0.path < $1.path }
    }

    func tree(_ fullName: String, sha: String, recursive: Bool) throws -> TreeResponse {
        try SourceHTTP.json(
            TreeResponse.self, host, url: "\(settings.githubAPI)/repos/\(fullName)/git/trees/\(sha)\(recursive ? "?recursive=1" : "")",
            headers: GitHubAPI.apiHeaders)
    }

    static func blobs(_ items: [TreeResponse.Item], prefix: String) -> [TreeFile] {
        // Mode 120000 is a symbolic link and 160000 a submodule: neither is file content.
        items.filter { $0.type == "blob" && $0.mode != "120000" }.map { TreeFile(path: prefix + $0.path, size: $0.size ?? 0, sha: $0.sha) }
    }

    /// A file's bytes at `commit`.
    public func content(_ fullName: String, commit: String, file: TreeFile) throws -> Data {
        let path = file.path.split(separator: "/").map { escape(String($0)) }.joined(separator: "/")
        let request: HTTPRequest
        if fileFetch == "contents" {
            // The raw media type for files over 1 MB, where the JSON form carries no content.
            let raw = file.size > GitHubAPI.contentsInlineLimit
            request = HTTPRequest(
                url: "\(settings.githubAPI)/repos/\(fullName)/contents/\(path)?ref=\(commit)",
                headers: GitHubAPI.apiHeaders.merging(raw ? ["Accept": "application/vnd.github.raw+json"] : [:]) { _, new in new })
            let response = try fetch(request)
            guard !raw else { return response.data }
            struct Contents: Decodable { var content: String?; var encoding: String? }
            let decoded = try JSONCoding.decode(Contents.self, from: response.data)
            let base64 = (decoded.content ?? "").filter { !$0.isWhitespace }
            guard decoded.encoding == "base64", let data = Data(base64Encoded: base64) else {
                throw PluginError("failed to read \(fullName)/\(file.path): the contents API gave no base64 content")
            }
            return data
        }
        request = HTTPRequest(url: "\(settings.githubRaw)/\(fullName)/\(commit)/\(path)")
        return try fetch(request).data
    }

    private func fetch(_ request: HTTPRequest) throws -> HTTPResponse { try SourceHTTP.get(host, request) }

    /// A tarball of the repository at `ref`.
    public func tarball(_ fullName: String, ref: String) throws -> Data {
        try fetch(HTTPRequest(url: "\(settings.githubAPI)/repos/\(fullName)/tarball/\(escape(ref))", headers: GitHubAPI.apiHeaders)).data
    }

    /// The web URL of a folder at a commit: the stable identity of an architecture found there.
    public func folderURL(_ fullName: String, commit: String, folder: String) -> String {
        "\(settings.githubWeb)/\(fullName)/tree/\(commit)\(folder.isEmpty ? "" : "/" + folder)"
    }

    func escape(_ segment: String) -> String {
        segment.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#"))) ?? segment
    }
}
