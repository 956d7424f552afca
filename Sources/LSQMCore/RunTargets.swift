import Foundation
import LSQMBasics

/// One emulator target's part of a run: what it ran against, its verdicts, what it could not run.
public struct TargetResults: Codable, Sendable, Equatable {
    /// The target's name (`EmulatorTarget`): what `--target` said, resolved (`host` → `host:moto`).
    public var target: String
    public var emulator: EmulatorInfo?
    public var results: [ValidationResult]
    public var notRun: [NotRun]

    public init(target: String, emulator: EmulatorInfo?, results: [ValidationResult] = [], notRun: [NotRun] = []) {
        self.target = target; self.emulator = emulator; self.results = results; self.notRun = notRun
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        target = try container.decode(String.self, forKey: .target)
        emulator = try container.decodeIfPresent(EmulatorInfo.self, forKey: .emulator)
        results = try container.decodeIfPresent([ValidationResult].self, forKey: .results) ?? []
        notRun = try container.decodeIfPresent([NotRun].self, forKey: .notRun) ?? []
    }

    public var counts: StatusCounts { StatusCounts(results: results) }

    enum CodingKeys: String, CodingKey {
        case target, emulator, results
        case notRun = "not_run"
    }
}

/// Names of emulator targets. A name identifies a target across runs (each target's regression baseline is
/// its own), so it names the choice, not the version: `docker` stays `docker` when the pinned LocalStack
/// version moves on (that move is what the weekly regressions are about), while `docker:IMAGE:TAG` names one
/// image (a release candidate next to the release).
public enum EmulatorTarget {
    /// The name of what a run recorded before targets existed: `docker`, `host:<emulator>`, or the URL.
    public static func name(for emulator: EmulatorInfo?) -> String? {
        guard let emulator else { return nil }
        switch emulator.runtime {
        case "docker": return "docker"
        case "host": return "host:\(emulator.name.lowercased())"
        default: return emulator.name
        }
    }

    /// A name usable in a file name (`comparison.<slug>.json`, `logs/<slug>/`).
    public static func slug(_ name: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")
        let mapped = String(name.map { allowed.contains($0) ? $0 : "_" })
        // Names differing only in replaced characters must not share files.
        return mapped == name ? mapped : "\(mapped)-\(SHA256.hex(Data(name.utf8)).prefix(8))"
    }
}

extension RunRecord {
    /// The primary target's name; nil only for a run that recorded neither a target nor an emulator.
    public var target: String? { recordedTarget ?? EmulatorTarget.name(for: emulator) }

    /// Every target of the run, the primary first.
    public var allTargets: [TargetResults] {
        [TargetResults(target: target ?? "", emulator: emulator, results: results, notRun: notRun)] + otherTargets
    }

    public var targetNames: [String] { allTargets.map(\.target) }

    /// A run of several targets from their parts, the first being the primary.
    public init(runID: String, startedAt: Date, finishedAt: Date?, targets: [TargetResults], shard: String?) {
        let primary = targets.first ?? TargetResults(target: "", emulator: nil)
        self.init(
            runID: runID, startedAt: startedAt, finishedAt: finishedAt, emulator: primary.emulator, results: primary.results,
            notRun: primary.notRun, shard: shard, target: primary.target.isEmpty ? nil : primary.target,
            otherTargets: Array(targets.dropFirst()))
    }

    /// The run as if it had validated `name` alone (the regression rules judge one target at a time). A run
    /// that recorded neither target nor emulator cannot say what it ran against and is taken for any target;
    /// a run without that target is nil.
    public func only(target name: String) -> RunRecord? {
        guard let target else { return self }
        if target == name {
            return RunRecord(
                runID: runID, startedAt: startedAt, finishedAt: finishedAt, emulator: emulator, results: results,
                notRun: notRun, shard: shard, target: recordedTarget)
        }
        guard let other = otherTargets.first(where: { $0.target == name }) else { return nil }
        return RunRecord(
            runID: runID, startedAt: startedAt, finishedAt: finishedAt, emulator: other.emulator, results: other.results,
            notRun: other.notRun, shard: shard, target: other.target)
    }

    /// Whether `name` is the run's primary target (whose comparison is `comparison.json`).
    public func isPrimary(target name: String) -> Bool { target == nil || target == name }

    /// What names a target's files in the run folder: nil for the primary, whose files are where they were
    /// before targets (`logs/<hash>.log`, `comparison.json`); another target's are `logs/<slug>/<hash>.log`
    /// and `comparison.<slug>.json`.
    public func slug(of name: String) -> String? { isPrimary(target: name) ? nil : EmulatorTarget.slug(name) }
}
