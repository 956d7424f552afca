import Foundation
import LSQMBasics
import LSQMPluginKit
import LSQMSourceSupport

/// Architectures from serverless/examples: every folder with a serverless.yml whose provider is AWS.
///
/// Config: `repo` (default "serverless/examples"), `file_fetch`, and the endpoint keys the host fills in.
public final class ServerlessExamplesSource: SourcePlugin {
    public static let name = "ServerlessExamplesSource"
    public static let version = "1.0.0"
    public static let description = "Serverless Framework services on AWS from serverless/examples"

    private let host: PluginHost
    private let api: GitHubAPI
    private let repo: String
    private let pager = CandidatePager<ArchitectureCandidate>()

    public required init(host: PluginHost, config: JSONValue) throws {
        self.host = host
        self.api = GitHubAPI(host: host, config: config)
        self.repo = config["repo"]?.stringValue ?? "serverless/examples"
    }

    public func discover(_ request: DiscoverRequest) throws -> DiscoverResponse {
        try pager.page(request, host: host, list: listCandidates, sourceURL: \.sourceURL) { candidate, _ in
            // Other providers' services (and non-Serverless templates in the repo) are not reported.
            try RepositoryArchitectures.materialize(candidate, api: api, source: Self.name) { $0 == "serverless" }
        }
    }

    private func listCandidates() throws -> (candidates: [ArchitectureCandidate], warnings: [String]) {
        let repository = try api.repository(repo)
        let all = try RepositoryWalk.candidates(api: api, repository: repository)
        // Only folders with a serverless.yml are candidates: the file names decide before any download.
        let serverless = all.filter { candidate in
            candidate.files.contains { ["serverless.yml", "serverless.yaml"].contains(($0.path as NSString).lastPathComponent.lowercased()) }
        }
        return (serverless, [])
    }
}

@_cdecl("lsqm_plugin_entry")
public func lsqm_plugin_entry() -> UnsafeRawPointer { PluginExport.source(ServerlessExamplesSource.self) }
