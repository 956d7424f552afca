import Foundation
import LSQMBasics
import LSQMCore
import LSQMPush

/// `lsqm push`: what was committed and pushed (in a dry run, what would be).
public struct PushResult: CommandOutput {
    public var output: PushStage.Output
    var dryRun: Bool

    public var text: String {
        if dryRun {
            return printed([
                "dry run: would commit \(output.changes.count) changed paths, pruning \(output.pruned.count) old runs", "message:\n\(output.message)",
            ])
        }
        return printed([output.pushed ? "pushed \(output.commit ?? "")" : (output.note ?? (output.committed ? "committed" : "nothing to commit"))])
    }
    public func json() throws -> String { String(decoding: try JSONCoding.encode(output), as: UTF8.self) }
}

extension Application {
    /// `lsqm push`: commits lsqm's paths with a message describing run `runID` (nil: the newest, or only the
    /// index and apps while there are no runs) and pushes.
    public func push(runID: String?) async throws -> PushResult {
        let store = try initializedStore(for: "push")
        let overview = store.runIDs().isEmpty && runID == nil ? nil : try RunOverview.load(store: store, runID: runID)
        return PushResult(output: try await push(overview: overview), dryRun: options.dryRun)
    }

    /// Commits and pushes; the message describes `overview`'s run, or only the index and apps when there is none.
    func push(overview: RunOverview?) async throws -> PushStage.Output {
        let store = try initializedStore(for: "push")
        let lock = try await lockRepository(stage: "push")
        defer { lock?.release() }
        let message = overview?.commitMessage ?? (title: "lsqm: update architectures and apps", body: "")
        return try await logger.stage("push") {
            var input = PushStage.Input(
                workingCopy: store.root, title: message.title, body: message.body, token: configuration.githubToken,
                dryRun: options.dryRun, logger: logger)
            input.githubHosts = gitHubHosts()
            return try await PushStage.run(input)
        }
    }
}
