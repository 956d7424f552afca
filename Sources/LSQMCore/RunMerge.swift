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
        let emulator = shards.first?.record.emulator
        for shard in shards where shard.record.emulator?.name != emulator?.name || shard.record.emulator?.version != emulator?.version {
            throw LSQMError(.invalidInput, action: "merge run \(shard.record.runID)",
                            cause: "it ran against \(shard.record.emulator?.name ?? "?") \(shard.record.emulator?.version ?? "?"), the first shard against \(emulator?.name ?? "?") \(emulator?.version ?? "?")")
        }
        var byArch: [String: ValidationResult] = [:]
        var notRun: [String: NotRun] = [:]
        for shard in shards.sorted(by: { $0.record.startedAt < $1.record.startedAt }) {
            for result in shard.record.results { byArch[result.arch] = result }
            for skipped in shard.record.notRun { notRun[skipped.arch] = skipped }
        }
        let run = RunRecord(runID: runID, startedAt: shards.map(\.record.startedAt).min() ?? Date(),
                            finishedAt: shards.compactMap(\.record.finishedAt).max(), emulator: emulator,
                            results: byArch.values.sorted { $0.arch < $1.arch },
                            notRun: notRun.values.filter { byArch[$0.arch] == nil }.sorted { $0.arch < $1.arch }, shard: nil)
        let logs = store.runDirectory(runID).appendingPathComponent("logs", isDirectory: true)
        for shard in shards {
            let shardLogs = shard.folder.appendingPathComponent("logs", isDirectory: true)
            for name in Files.regularFiles(under: shardLogs) where byArch[(name as NSString).deletingPathExtension] != nil {
                try AtomicFile.write(try Files.read(shardLogs.appendingPathComponent(name)), to: logs.appendingPathComponent(name), durable: false)
            }
        }
        try store.saveRun(run)
        return run
    }
}
