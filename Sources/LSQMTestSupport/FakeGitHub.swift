import Foundation
import LSQMBasics
import LSQMSourceSupport
import Synchronization

/// A fake GitHub: the REST API (`api`) and raw content (`raw`) as two real HTTP servers on 127.0.0.1.
///
/// API: `GET /orgs/{org}/repos` (paginated with `Link` headers, at most `maxPerPage` per page whatever the
/// client asks), `/repos/{o}/{r}`, `/repos/{o}/{r}/branches/{b}`, `/repos/{o}/{r}/git/trees/{sha}[?recursive=1]`
/// (truncated for repositories marked so), `/repos/{o}/{r}/contents/{path}?ref=` (base64 JSON, or the raw
/// bytes for `Accept: application/vnd.github.raw+json`), `/repos/{o}/{r}/tarball/{ref}` (gzip; hostile entries
/// for repositories marked so). Raw: `GET /{o}/{r}/{sha}/{path}`. Every 200 carries an `ETag` and a matching
/// `If-None-Match` gets a 304, as GitHub does. `inject` queues one-off answers for a path (rate limits, 5xx).
public final class FakeGitHub: Sendable {
    public enum Server: Sendable { case api, raw }

    public let api: HTTPTestServer
    public let raw: HTTPTestServer
    private let state: State

    final class State: Sendable {
        let repositories: [String: FakeRepository]
        let orgs: [String: [String]]
        let maxPerPage: Int
        let faults = Mutex<[String: [HTTPTestResponse]]>([:])
        let tarballs = Mutex<[String: Data]>([:])

        init(repositories: [String: FakeRepository], orgs: [String: [String]], maxPerPage: Int) {
            self.repositories = repositories; self.orgs = orgs; self.maxPerPage = maxPerPage
        }

        func fault(_ key: String) -> HTTPTestResponse? {
            faults.withLock { faults in
                guard var queue = faults[key], !queue.isEmpty else { return nil }
                let first = queue.removeFirst()
                faults[key] = queue
                return first
            }
        }
    }

    /// - Parameters:
    ///   - orgs: organization → repository full names it lists (repositories may also exist outside orgs).
    public init(repositories: [FakeRepository], orgs: [String: [String]], maxPerPage: Int = 3) throws {
        let state = State(repositories: Dictionary(repositories.map { ($0.fullName, $0) }) { first, _ in first }, orgs: orgs, maxPerPage: maxPerPage)
        self.state = state
        raw = try HTTPTestServer { request in
            if let fault = state.fault("raw:\(request.path)") { return fault }
            return FakeGitHub.conditional(request, FakeGitHub.rawContent(state, request))
        }
        let rawBase = raw.baseURL.absoluteString
        api = try HTTPTestServer { request in
            if let fault = state.fault("api:\(request.path)") { return fault }
            return FakeGitHub.conditional(request, FakeGitHub.route(state, request, rawBase: rawBase))
        }
    }

    public func stop() { api.stop(); raw.stop() }

    /// Queues answers for the next requests to `path` on `server`, before the normal answer resumes.
    public func inject(_ responses: [HTTPTestResponse], at path: String, on server: Server = .api) {
        state.faults.withLock { $0["\(server == .api ? "api" : "raw"):\(path)", default: []] += responses }
    }

    // MARK: Conditional requests

    static func conditional(_ request: HTTPTestRequest, _ response: HTTPTestResponse) -> HTTPTestResponse {
        guard response.status == 200 else { return response }
        let etag = "\"\(SHA256.hex(response.body).prefix(32))\""
        if request.headers["if-none-match"] == etag { return HTTPTestResponse(status: 304, headers: ["ETag": etag]) }
        var answered = response
        answered.headers["ETag"] = etag
        return answered
    }

    // MARK: Routes

    static func rawContent(_ state: State, _ request: HTTPTestRequest) -> HTTPTestResponse {
        let parts = request.path.split(separator: "/", maxSplits: 3).map(String.init)
        guard parts.count == 4, let repo = state.repositories["\(parts[0])/\(parts[1])"], parts[2] == repo.commit,
            let content = repo.files[parts[3]]
        else { return .text("404: Not Found", status: 404) }
        return HTTPTestResponse(status: 200, headers: ["Content-Type": "text/plain; charset=utf-8"], body: content)
    }

    static func route(_ state: State, _ request: HTTPTestRequest, rawBase: String) -> HTTPTestResponse {
        let parts = request.path.split(separator: "/").map(String.init)
        let notFound = HTTPTestResponse.json(["message": "Not Found"], status: 404)
        if parts.count == 3, parts[0] == "orgs", parts[2] == "repos" {
            return orgRepos(state, request, org: parts[1])
        }
        guard parts.count >= 3, parts[0] == "repos", let repo = state.repositories["\(parts[1])/\(parts[2])"] else { return notFound }
        let rest = Array(parts.dropFirst(3))
        switch rest.first {
        case nil:
            return .json(repoJSON(repo))
        case "branches" where rest.count == 2:
            return .json(["name": .string(rest[1]), "commit": ["sha": .string(repo.commit)]])
        case "git" where rest.count == 3 && rest[1] == "trees":
            return tree(repo, sha: rest[2], recursive: request.query("recursive") != nil) ?? notFound
        case "contents":
            let path = rest.dropFirst().joined(separator: "/")
            guard let content = repo.files[path], request.query("ref") == repo.commit || request.query("ref") == nil else { return notFound }
            if request.headers["accept"]?.contains("raw") == true { return HTTPTestResponse(status: 200, body: content) }
            if content.count > GitHubAPI.contentsInlineLimit {
                return .json(["type": "file", "path": .string(path), "size": .number(Double(content.count)), "content": "", "encoding": "none"])
            }
            return .json([
                "type": "file", "path": .string(path), "size": .number(Double(content.count)),
                "encoding": "base64", "content": .string(content.base64EncodedString().chunked(60).joined(separator: "\n") + "\n"),
            ])
        case "tarball":
            return HTTPTestResponse(status: 200, headers: ["Content-Type": "application/x-gzip"], body: tarball(state, repo))
        default:
            return notFound
        }
    }

    static func repoJSON(_ repo: FakeRepository) -> JSONValue {
        [
            "name": .string(repo.name), "full_name": .string(repo.fullName), "archived": .bool(repo.archived), "fork": .bool(repo.fork),
            "default_branch": "main", "license": repo.license.map { ["spdx_id": .string($0)] } ?? .null,
        ]
    }

    static func orgRepos(_ state: State, _ request: HTTPTestRequest, org: String) -> HTTPTestResponse {
        guard let names = state.orgs[org] else { return .json(["message": "Not Found"], status: 404) }
        let perPage = min(Int(request.query("per_page") ?? "30") ?? 30, state.maxPerPage)
        let page = max(Int(request.query("page") ?? "1") ?? 1, 1)
        let all = names.sorted().compactMap { state.repositories[$0] }
        let slice = all.dropFirst((page - 1) * perPage).prefix(perPage)
        let lastPage = max((all.count + perPage - 1) / perPage, 1)
        var headers: [String: String] = [:]
        if page < lastPage {
            let base = "http://\(request.headers["host"] ?? "127.0.0.1")/orgs/\(org)/repos?type=public&per_page=\(perPage)"
            headers["Link"] = "<\(base)&page=\(page + 1)>; rel=\"next\", <\(base)&page=\(lastPage)>; rel=\"last\""
        }
        return .json(.array(slice.map(repoJSON)), headers: headers)
    }

    static func treeSHA(_ repo: FakeRepository, _ folder: String) -> String {
        folder.isEmpty ? repo.commit : String(SHA256.hex("tree:\(repo.fullName):\(folder)").prefix(40))
    }

    static func tree(_ repo: FakeRepository, sha: String, recursive: Bool) -> HTTPTestResponse? {
        var folders: Set<String> = [""]
        for path in repo.files.keys {
            var parts = path.split(separator: "/").dropLast()
            while !parts.isEmpty { folders.insert(parts.joined(separator: "/")); parts = parts.dropLast() }
        }
        guard let folder = folders.first(where: { treeSHA(repo, $0) == sha }) else { return nil }
        let prefix = folder.isEmpty ? "" : folder + "/"
        var entries: [JSONValue] = []
        for path in repo.files.keys.sorted() where path.hasPrefix(prefix) {
            let relative = String(path.dropFirst(prefix.count))
            guard recursive || !relative.contains("/") else { continue }
            let content = repo.files[path] ?? Data()
            entries.append([
                "path": .string(relative), "mode": "100644", "type": "blob", "size": .number(Double(content.count)),
                "sha": .string(String(SHA256.hex(content).prefix(40))),
            ])
        }
        for sub in folders.sorted() where sub.hasPrefix(prefix) && sub != folder {
            let relative = String(sub.dropFirst(prefix.count))
            guard recursive || !relative.contains("/") else { continue }
            entries.append(["path": .string(relative), "mode": "040000", "type": "tree", "sha": .string(treeSHA(repo, sub))])
        }
        var truncated = false
        if recursive, repo.truncatedTree {
            entries = Array(entries.prefix(entries.count / 2))
            truncated = true
        }
        return .json(["sha": .string(sha), "tree": .array(entries), "truncated": .bool(truncated)])
    }

    static func tarball(_ state: State, _ repo: FakeRepository) -> Data {
        state.tarballs.withLock { cache in
            if let built = cache[repo.fullName] { return built }
            var writer = TarWriter()
            let top = "\(repo.owner)-\(repo.name)-\(repo.commit.prefix(7))"
            writer.add(path: "\(top)/", type: .directory)
            for (path, content) in repo.files.sorted(by: { $0.key < $1.key }) { writer.add(path: "\(top)/\(path)", content: content) }
            if repo.hostileTarball {
                writer.add(path: "\(top)/../escaped.tf", content: Data("resource \"aws_s3_bucket\" \"evil\" {}\n".utf8))
                writer.add(path: "\(top)/examples/complete/leak.tf", type: .symlink, linkTarget: "../../../../../../etc/passwd")
            }
            let built = (try? Gzip.compress(writer.archive)) ?? Data()
            cache[repo.fullName] = built
            return built
        }
    }
}

extension String {
    /// Pieces of at most `size` characters (GitHub wraps base64 content at 60 with newlines).
    func chunked(_ size: Int) -> [String] {
        var result: [String] = []
        var rest = Substring(self)
        while !rest.isEmpty { result.append(String(rest.prefix(size))); rest = rest.dropFirst(size) }
        return result
    }
}

/// A fake Terraform Registry on 127.0.0.1: `/v1/modules/search?q=&provider=&limit=&offset=`,
/// `/v1/modules?provider=&limit=&offset=` (both with the registry's `meta` pagination and ETags), and
/// `/v1/modules/{ns}/{name}/{provider}/{version}/download` answering 204 with `X-Terraform-Get` in the three
/// documented forms, in turn: `git::https://github.com/…?ref=`, an absolute GitHub API tarball URL with
/// `//*?archive=tar.gz`, and a relative `./archive.tar.gz` served by the registry itself.
public final class FakeTerraformRegistry: Sendable {
    public struct Module: Sendable {
        public var namespace: String
        public var name: String
        public var version: String
        public var repository: FakeRepository
        public var id: String { "\(namespace)/\(name)/aws/\(version)" }
    }

    public let server: HTTPTestServer
    public let modules: [Module]

    /// Modules for every `terraform-aws-modules/terraform-aws-<name>` repository given.
    public init(repositories: [FakeRepository], githubAPI: URL) throws {
        let modules = repositories.filter { $0.owner == "terraform-aws-modules" && $0.name.hasPrefix("terraform-aws-") }
            .sorted { $0.fullName < $1.fullName }
            .map { Module(namespace: $0.owner, name: String($0.name.dropFirst("terraform-aws-".count)), version: "1.0.0", repository: $0) }
        self.modules = modules
        let api = githubAPI.absoluteString
        server = try HTTPTestServer { request in
            FakeGitHub.conditional(request, FakeTerraformRegistry.route(request, modules: modules, githubAPI: api))
        }
    }

    public func stop() { server.stop() }

    static func route(_ request: HTTPTestRequest, modules: [Module], githubAPI: String) -> HTTPTestResponse {
        let parts = request.path.split(separator: "/").map(String.init)
        if request.path == "/v1/modules/search" || request.path == "/v1/modules" {
            let query = (request.query("q") ?? "").lowercased().replacingOccurrences(of: " ", with: "")
            let matching = modules.filter { module in
                (request.query("provider") ?? "aws") == "aws"
                    && (query.isEmpty || module.name.replacingOccurrences(of: "-", with: "").contains(query))
            }
            return page(matching, request: request)
        }
        guard parts.count == 7, parts[0] == "v1", parts[1] == "modules",
            let index = modules.firstIndex(where: { $0.namespace == parts[2] && $0.name == parts[3] && $0.version == parts[5] })
        else {
            return .json(["errors": ["Not Found"]], status: 404)
        }
        let module = modules[index]
        switch parts[6] {
        case "download":
            let location: String
            switch index % 3 {
            case 0: location = "git::https://github.com/\(module.repository.fullName)?ref=v\(module.version)"
            case 1: location = "\(githubAPI)/repos/\(module.repository.fullName)/tarball/v\(module.version)//*?archive=tar.gz"
            default: location = "./archive.tar.gz"
            }
            return HTTPTestResponse(status: 204, headers: ["X-Terraform-Get": location])
        case "archive.tar.gz":
            var writer = TarWriter()
            for (path, content) in module.repository.files.sorted(by: { $0.key < $1.key }) { writer.add(path: path, content: content) }
            return HTTPTestResponse(
                status: 200, headers: ["Content-Type": "application/x-gzip"], body: (try? Gzip.compress(writer.archive)) ?? Data())
        default:
            return .json(["errors": ["Not Found"]], status: 404)
        }
    }

    static func page(_ modules: [Module], request: HTTPTestRequest) -> HTTPTestResponse {
        let limit = max(min(Int(request.query("limit") ?? "15") ?? 15, 100), 1)
        let offset = max(Int(request.query("offset") ?? "0") ?? 0, 0)
        let slice = modules.dropFirst(offset).prefix(limit)
        var meta: [String: JSONValue] = ["limit": .number(Double(limit)), "current_offset": .number(Double(offset))]
        if offset + limit < modules.count { meta["next_offset"] = .number(Double(offset + limit)) }
        if offset > 0 { meta["prev_offset"] = .number(Double(max(offset - limit, 0))) }
        let items: [JSONValue] = slice.map { module in
            [
                "id": .string(module.id), "owner": "", "namespace": .string(module.namespace), "name": .string(module.name),
                "version": .string(module.version), "provider": "aws", "verified": true,
                "source": .string("https://github.com/\(module.repository.fullName)"),
            ]
        }
        return .json(["meta": .object(meta), "modules": .array(items)])
    }
}
