import Foundation
import LSQMPluginKit

/// Head commit, tree, candidate folders: the listing step of every GitHub-backed source.
public enum RepositoryWalk {
    public static func candidates(api: GitHubAPI, repository: GitHubAPI.Repository, under folder: String? = nil) throws -> [ArchitectureCandidate] {
        let commit = try api.headCommit(repository.fullName, branch: repository.defaultBranch)
        var files = try api.files(repository.fullName, commit: commit)
        if let folder, !folder.isEmpty { files = files.filter { $0.path.hasPrefix(folder + "/") } }
        return RepositoryArchitectures.candidates(
            repository: repository.fullName, commit: commit, files: files,
            license: repository.license?.spdxID
        ) { api.folderURL(repository.fullName, commit: commit, folder: $0) }
    }
}
