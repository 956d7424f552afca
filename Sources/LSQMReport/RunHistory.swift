import Foundation
import LSQMBasics
import LSQMCore

/// The runs a report or a comparison looks at: the selected run and the one before it in full, every earlier
/// kept run only as counts.
///
/// 52 kept runs of 5,000 architectures are about 500 MB of JSON: even decoding only the fields trends need takes
/// seconds. So each run's counts are cached next to it in `runs/<id>/tally.json` the first time they are
/// computed; a weekly report then decodes the two runs it shows and reads 50 small files. Runs are immutable
/// once written, and the cache records the byte size of the results file it counted, so a rewritten run (a
/// shard merge) is counted again. Deleting `runs/*/tally.json` forces a full recount.
public struct RunHistory: Sendable {
    public var current: RunRecord
    public var previous: RunRecord?
    /// The last `ArtifactStore.keptRuns` runs up to and including the current one (one more when the previous run
    /// was named explicitly and lies outside that window).
    public var tallies: [RunTally]
    /// True when `current` is the newest run in the store.
    public var currentIsLatest: Bool

    /// - Parameters:
    ///   - runID: the run to look at; nil means the newest.
    ///   - previousRunID: the run to compare with; nil means the one before `runID`.
    public static func load(
        _ store: ArtifactStore, runID: String? = nil, previousRunID: String? = nil,
        tallies wantTallies: Bool = true, logger: Logger = .silent
    ) throws -> RunHistory {
        // An unreadable old run is left out (with a warning) rather than blocking every report and comparison
        // after it; the run asked for, or named as the one to compare with, must still load.
        let unreadable = Set(store.unreadableRunIDs()).subtracting([runID, previousRunID].compactMap { $0 })
        if !unreadable.isEmpty {
            logger.warning(
                "report", "unreadable_runs", "skipping \(unreadable.count) unreadable run(s): \(unreadable.sorted().joined(separator: ", "))",
                error: store.unreadableRun(unreadable.sorted()[0], cause: "not valid JSON"))
        }
        let ids = store.runIDs().filter { !unreadable.contains($0) }
        guard let currentID = runID ?? ids.last else {
            throw LSQMError(
                .usage, action: "find runs in \(store.runsDirectory.path)", cause: "there are no runs yet",
                hint: "run 'lsqm validate' first")
        }
        guard let position = ids.firstIndex(of: currentID) else {
            throw LSQMError(
                .usage, action: "find run \(currentID)", cause: "no runs/\(currentID)/results.json",
                hint: "'lsqm status' shows the runs there are")
        }
        if let previousRunID, !ids.contains(previousRunID) {
            throw LSQMError(
                .usage, action: "find run \(previousRunID)", cause: "no runs/\(previousRunID)/results.json",
                hint: "'lsqm status' shows the runs there are")
        }
        let previousID = previousRunID ?? (position > 0 ? ids[position - 1] : nil)
        let current = try store.loadRun(currentID)
        let previous = try previousID.map { try store.loadRun($0) }
        var tallies: [RunTally] = []
        if wantTallies {
            // Only the kept window: an unpruned repository must not make every report slower forever.
            let older = ids[..<position].suffix(ArtifactStore.keptRuns - 1).filter { $0 != previousID }
            tallies = try loadTallies(store, Array(older)) + [previous].compactMap { $0.map(RunTally.init) } + [RunTally(current)]
        }
        if wantTallies {
            // Cache the two fully decoded runs too: next week they are history.
            for run in [previous, current].compactMap({ $0 }) where cachedTally(store, run.runID) == nil {
                saveTally(store, RunTally(run))
            }
        }
        return RunHistory(current: current, previous: previous, tallies: tallies, currentIsLatest: currentID == ids.last)
    }

    /// Decodes the counts of several runs in parallel.
    static func loadTallies(_ store: ArtifactStore, _ ids: [String]) throws -> [RunTally] {
        let slots = ResultSlots<RunTally>(count: ids.count)
        DispatchQueue.concurrentPerform(iterations: ids.count) { index in
            slots.set(index, Result { try loadTally(store, ids[index]) })
        }
        return try slots.values()
    }

    static func loadTally(_ store: ArtifactStore, _ runID: String) throws -> RunTally {
        if let cached = cachedTally(store, runID) { return cached }
        let url = resultsFile(store, runID)
        do {
            let slim = try JSONCoding.decode(SlimRun.self, from: try Files.read(url))
            let tally = RunTally(
                runID: slim.runID, startedAt: slim.startedAt, results: slim.results.lazy.map { ($0.status, $0.services, $0.isEmulatorVerdict) })
            saveTally(store, tally)
            return tally
        } catch {
            throw store.unreadableRun(runID, cause: LSQMError.describe(error))
        }
    }

    // MARK: Tally cache

    private struct CachedTally: Codable {
        var resultsBytes: Int
        var tally: RunTally
        enum CodingKeys: String, CodingKey {
            case tally
            case resultsBytes = "results_bytes"
        }
    }

    static func resultsFile(_ store: ArtifactStore, _ runID: String) -> URL {
        store.runDirectory(runID).appendingPathComponent("results.json")
    }

    static func tallyFile(_ store: ArtifactStore, _ runID: String) -> URL {
        store.runDirectory(runID).appendingPathComponent("tally.json")
    }

    private static func resultsBytes(_ store: ArtifactStore, _ runID: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: resultsFile(store, runID).path)[.size] as? NSNumber)?.intValue
    }

    /// The cached counts of a run, if the cache describes the results file as it is now.
    static func cachedTally(_ store: ArtifactStore, _ runID: String) -> RunTally? {
        guard let data = try? Data(contentsOf: tallyFile(store, runID)),
            let cached = try? JSONCoding.decode(CachedTally.self, from: data),
            cached.tally.runID == runID, cached.resultsBytes == resultsBytes(store, runID)
        else { return nil }
        return cached.tally
    }

    /// Best effort: a read-only checkout still gets its report, only without the speed-up next time.
    static func saveTally(_ store: ArtifactStore, _ tally: RunTally) {
        guard let bytes = resultsBytes(store, tally.runID) else { return }
        try? AtomicFile.writeJSON(CachedTally(resultsBytes: bytes, tally: tally), to: tallyFile(store, tally.runID))
    }

    /// The few fields of `RunRecord` that trends use; the decoder skips the rest (logs are most of a run's bytes).
    private struct SlimRun: Decodable {
        struct Result: Decodable {
            struct Cause: Decodable { var `class`: FailureCause.Class }
            var status: ValidationStatus
            var services: [String]
            var cause: Cause?
            var isEmulatorVerdict: Bool { ValidationResult.isEmulatorVerdict(status: status, causeClass: cause?.class) }
        }
        var runID: String
        var startedAt: Date
        var results: [Result]
        enum CodingKeys: String, CodingKey {
            case results
            case runID = "run_id"
            case startedAt = "started_at"
        }
    }
}

/// Fixed slots filled from concurrent workers, each slot written once.
// @unchecked Sendable: `slots` is only touched under `lock`.
final class ResultSlots<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<Value, any Error>?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: Result<Value, any Error>) {
        lock.lock(); defer { lock.unlock() }
        slots[index] = value
    }

    /// The values in order, or the first error.
    func values() throws -> [Value] {
        lock.lock(); defer { lock.unlock() }
        return try slots.map { slot in
            guard let slot else { throw LSQMError(.internal, action: "collect results", cause: "a worker did not report") }
            return try slot.get()
        }
    }
}
