import Foundation
import LSQMBasics

/// Merges the run folders of validation shards (a CI matrix) into one run of the artifact repository.
public enum RunMerge {
    /// Reads each shard's `results.json` (a folder holding one, or the file itself), combines the results
    /// (an architecture validated by two shards keeps the later result), copies the per-architecture logs,
    /// and writes a new run. Shards must not overlap in time by accident: the emulator of the first shard is
    /// kept, and a shard validated against a different emulator is an error (the run would compare apples
    /// with oranges).
    public static func merge(_ paths: [URL], into store: ArtifactStore, runID: String = RunID.make()) throws -> RunRecord {
        guard !paths.isEmpty else {
            throw LSQMError(.usage, action: "merge runs", cause: "no run folders were given", hint: "pass the shards' runs/<run_id> folders")
        }
        var shards: [(record: RunRecord, folder: URL)] = []
        for path in paths {
            let file = Files.isDirectory(path) ? path.appendingPathComponent("results.json") : path
            guard Files.exists(file) else {
                throw LSQMError(.usage, action: "merge \(path.path)", cause: "it holds no results.json")
            }
            do {
                shards.append((try JSONCoding.decode(RunRecord.self, from: try Files.read(file)), file.deletingLastPathComponent()))
            } catch {
                throw LSQMError.wrap(error, action: "read \(file.path)", kind: .invalidInput)
            }
        }
        // Every shard validated the same targets, each against the same emulator: a run that mixes versions
        // of one target would compare apples with oranges.
        let first = shards[0].record
        for shard in shards.dropFirst() {
            guard shard.record.targetNames == first.targetNames else {
                throw LSQMError(
                    .invalidInput, action: "merge run \(shard.record.runID)",
                    cause:
                        "it validated the targets \(shard.record.targetNames.joined(separator: ", ")), the first shard \(first.targetNames.joined(separator: ", "))",
                    hint: "merge only the shards of one matrix")
            }
            for (mine, theirs) in zip(shard.record.allTargets, first.allTargets)
            where mine.emulator?.name != theirs.emulator?.name || mine.emulator?.version != theirs.emulator?.version {
                throw LSQMError(
                    .invalidInput, action: "merge run \(shard.record.runID)",
                    cause:
                        "it ran \(mine.target) against \(mine.emulator?.name ?? "?") \(mine.emulator?.version ?? "?"), the first shard against \(theirs.emulator?.name ?? "?") \(theirs.emulator?.version ?? "?")"
                )
            }
        }
        let ordered = shards.sorted(by: { $0.record.startedAt < $1.record.startedAt })
        let targets = first.allTargets.indices.map { position in
            var byArch: [String: ValidationResult] = [:]
            var notRun: [String: NotRun] = [:]
            for shard in ordered {
                let part = shard.record.allTargets[position]
                for result in part.results { byArch[result.arch] = result }
                for skipped in part.notRun { notRun[skipped.arch] = skipped }
            }
            return TargetResults(
                target: first.allTargets[position].target, emulator: first.allTargets[position].emulator,
                results: byArch.values.sorted { $0.arch < $1.arch },
                notRun: notRun.values.filter { byArch[$0.arch] == nil }.sorted { $0.arch < $1.arch })
        }
        var run = RunRecord(
            runID: runID, startedAt: shards.map(\.record.startedAt).min() ?? Date(),
            finishedAt: shards.compactMap(\.record.finishedAt).max(), targets: targets, shard: nil)
        // A run from before targets stays one: no target name is made up for it.
        if first.recordedTarget == nil { run.recordedTarget = nil }
        let logs = store.runDirectory(runID).appendingPathComponent("logs", isDirectory: true)
        for shard in shards {
            for (position, part) in shard.record.allTargets.enumerated() {
                let slug = position == 0 ? nil : EmulatorTarget.slug(part.target)
                let kept = Set(targets[position].results.map(\.arch))
                let from =
                    slug.map { shard.folder.appendingPathComponent("logs/\($0)", isDirectory: true) }
                    ?? shard.folder.appendingPathComponent("logs", isDirectory: true)
                let to = slug.map { logs.appendingPathComponent($0, isDirectory: true) } ?? logs
                for name in Files.regularFiles(under: from) where !name.contains("/") && kept.contains((name as NSString).deletingPathExtension) {
                    try AtomicFile.write(try Files.read(from.appendingPathComponent(name)), to: to.appendingPathComponent(name), durable: false)
                }
            }
        }
        try store.saveRun(run)
        return run
    }
}
