import Foundation
import LSQMBasics
import LSQMTemplates

/// `lsqm status`: what the artifact repository holds.
public struct RepositoryStatus: Codable, Sendable, Equatable {
    public var architectures: Int
    public var apps: Int
    public var runs: Int
    public var lastRun: String?
    public var kinds: [String: Int]
    public var skipped: Int
    /// Runs whose results file does not parse (see `ArtifactStore.unreadableRunIDs`).
    public var unreadableRuns: [String] = []

    enum CodingKeys: String, CodingKey {
        case architectures, apps, runs, kinds, skipped
        case lastRun = "last_run"
        case unreadableRuns = "unreadable_runs"
    }

    /// `last_run` is always present (null before the first run), so scripts can rely on the shape.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(architectures, forKey: .architectures)
        try c.encode(apps, forKey: .apps)
        try c.encode(runs, forKey: .runs)
        try c.encode(lastRun, forKey: .lastRun)
        try c.encode(kinds, forKey: .kinds)
        try c.encode(skipped, forKey: .skipped)
        try c.encode(unreadableRuns, forKey: .unreadableRuns)
    }

    public static func read(_ store: ArtifactStore) throws -> RepositoryStatus {
        let index = try store.loadIndex()
        var kinds: [String: Int] = [:]
        for kind in ArchitectureKind.allCases { kinds[kind.rawValue] = 0 }
        for architecture in index.architectures.values { kinds[architecture.kind.rawValue, default: 0] += 1 }
        let appDirs = (try? FileManager.default.contentsOfDirectory(atPath: store.appsDirectory.path)) ?? []
        let apps = appDirs.filter { Files.exists(store.appDirectory($0).appendingPathComponent("metadata.json")) }.count
        let runs = store.runIDs()
        return RepositoryStatus(
            architectures: index.architectures.count, apps: apps, runs: runs.count, lastRun: runs.last,
            kinds: kinds, skipped: index.skipped.count, unreadableRuns: store.unreadableRunIDs())
    }
}
