import Foundation
import LSQMBasics
import LSQMSync

/// `lsqm sync`: what was done to the working copy.
public struct SyncResult: CommandOutput {
    public var output: SyncStage.Output
    /// With JSON logs the stage's own human line is not shown, so the command says what it did on stdout.
    var announce: Bool

    public var text: String { announce ? printed(["\(output.action) \(output.path)"]) : "" }
    public func json() throws -> String { String(decoding: try JSONCoding.encode(output), as: UTF8.self) }
}

extension Application {
    /// `lsqm sync`: clones, pulls or initialises the artifact repository.
    public func sync(initExisting: Bool) async throws -> SyncResult {
        let output = try await logger.stage("sync") { try await syncRepository(initExisting: initExisting) }
        return SyncResult(output: output, announce: logger.format == .json)
    }

    /// Syncs the artifact repository under the repository lock (two first syncs would race otherwise).
    func syncRepository(initExisting: Bool = false) async throws -> SyncStage.Output {
        let lock = try await lockRepository(stage: "sync")
        defer { lock?.release() }
        return try await SyncStage.run(
            SyncStage.Input(
                repository: configuration.artifactRepo, workingCopy: localRepositoryPath,
                token: configuration.githubToken, githubHosts: gitHubHosts(),
                initExisting: initExisting, dryRun: options.dryRun, logger: logger))
    }

    /// Makes sure the artifact repository exists (a new local one is initialised) before a stage writes to it.
    func ensureRepository() async throws {
        if !store.isInitialized {
            _ = try await syncRepository()
        }
    }
}
