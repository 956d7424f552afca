import Foundation
import LSQMBasics
import LSQMPluginKit
import LSQMSourceSupport

/// Architectures from GitHub organizations (default aws-quickstart, aws-solutions, aws-samples): every public
/// repository that is neither archived nor a fork, its tree at the default branch's head commit, and in it
/// every folder holding Terraform, a CloudFormation/SAM template or a serverless.yml. Source URLs name the
/// commit (`https://github.com/<repo>/tree/<sha>/<folder>`), so a changed upstream is a new architecture and
/// an unchanged one is skipped without downloading a file.
///
/// Config: `orgs` (list), `repos` (optional allow-list of `owner/name`), `max_repos` (per org, most recently
/// pushed first, default 300), `file_fetch`
/// ("raw" or "contents"), and the endpoint keys the host fills in (`github_api_url`, `github_raw_url`).
public final class GitHubOrgSource: SourcePlugin {
    public static let name = "GitHubOrgSource"
    public static let version = "1.0.0"
    public static let description = "Architectures from the repositories of GitHub organizations"

    private let host: PluginHost
    private let api: GitHubAPI
    private let orgs: [String]
    private let onlyRepos: Set<String>
    private let maxRepos: Int
    private let pager = CandidatePager<ArchitectureCandidate>()

    public required init(host: PluginHost, config: JSONValue) throws {
        self.host = host
        self.api = GitHubAPI(host: host, config: config)
        let settings = api.settings
        self.orgs = settings.strings("orgs", default: ["aws-quickstart", "aws-solutions", "aws-samples"])
        self.onlyRepos = Set(settings.strings("repos", default: []))
        // Each repository costs two API requests (head commit, tree) before any file: 300 per org keeps three
        // orgs well inside GitHub's 5,000 requests an hour with a token. The most recently pushed come first.
        self.maxRepos = settings.int("max_repos", default: 300)
        guard !orgs.isEmpty else { throw PluginError("failed to configure GitHubOrgSource: \"orgs\" is empty") }
    }

    public func discover(_ request: DiscoverRequest) throws -> DiscoverResponse {
        try pager.page(request, host: host, list: listCandidates, sourceURL: \.sourceURL) { candidate, _ in
            try RepositoryArchitectures.materialize(candidate, api: api, source: Self.name)
        }
    }

    private func listCandidates() throws -> (candidates: [ArchitectureCandidate], warnings: [String]) {
        var candidates: [ArchitectureCandidate] = []
        var warnings: [String] = []
        var listedAny = false
        for org in orgs {
            let repositories: [GitHubAPI.Repository]
            do { repositories = try api.repositories(org: org, maxPages: max(maxRepos / 100 + 1, 1)); listedAny = true } catch let stop
                as DryRunReached
            { throw stop } catch {
                warnings.append("organization \(org): \(LSQMError.describe(error))")
                continue
            }
            let chosen = repositories.filter { !$0.archived && !$0.fork && (onlyRepos.isEmpty || onlyRepos.contains($0.fullName)) }
            host.log(.info, "\(org): \(repositories.count) repositories, \(chosen.count) neither archived nor forks")
            for repository in chosen.prefix(maxRepos) {
                if host.isCancelled { throw PluginCancelled() }
                do {
                    candidates += try RepositoryWalk.candidates(api: api, repository: repository)
                } catch let stop as DryRunReached {
                    throw stop
                } catch {
                    warnings.append("\(repository.fullName): \(LSQMError.describe(error))")
                }
            }
        }
        if !listedAny, let first = warnings.first { throw PluginError("failed to list repositories: \(first)", retryable: true) }
        return (candidates, warnings)
    }
}

@_cdecl("lsqm_plugin_entry")
public func lsqm_plugin_entry() -> UnsafeRawPointer { PluginExport.source(GitHubOrgSource.self) }
