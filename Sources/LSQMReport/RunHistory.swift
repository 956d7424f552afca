import Foundation
import LSQMBasics
import LSQMCore

/// The runs a report or a comparison looks at: the selected run and the one before it in full, every earlier
/// kept run only as counts.
///
/// 52 kept runs of 5,000 architectures are hundreds of megabytes of JSON; decoding them in full would blow the
/// report's 5-second budget, so older runs are decoded into `RunTally`'s few fields, two at a time.
public struct RunHistory: Sendable {
    public var current: RunRecord
    public var previous: RunRecord?
    /// Every kept run up to and including the current one, oldest first.
    public var tallies: [RunTally]
    /// True when `current` is the newest run in the store.
    public var currentIsLatest: Bool

    /// - Parameters:
    ///   - runID: the run to look at; nil means the newest.
    ///   - previousRunID: the run to compare with; nil means the one before `runID`.
    public static func load(_ store: ArtifactStore, runID: String? = nil, previousRunID: String? = nil,
                            tallies wantTallies: Bool = true) throws -> RunHistory {
        let ids = store.runIDs()
        guard let currentID = runID ?? ids.last else {
            throw LSQMError(.usage, action: "find runs in \(store.runsDirectory.path)", cause: "there are no runs yet",
                            hint: "run 'lsqm validate' first")
        }
        guard let position = ids.firstIndex(of: currentID) else {
            throw LSQMError(.usage, action: "find run \(currentID)", cause: "no runs/\(currentID)/results.json",
                            hint: "'lsqm status' shows the runs there are")
        }
        if let previousRunID, !ids.contains(previousRunID) {
            throw LSQMError(.usage, action: "find run \(previousRunID)", cause: "no runs/\(previousRunID)/results.json",
                            hint: "'lsqm status' shows the runs there are")
        }
        let previousID = previousRunID ?? (position > 0 ? ids[position - 1] : nil)
        let current = try store.loadRun(currentID)
        let previous = try previousID.map { try store.loadRun($0) }
        var tallies: [RunTally] = []
        if wantTallies {
            let older = ids[..<position].filter { $0 != previousID }
            tallies = try loadTallies(store, Array(older)) + [previous].compactMap { $0.map(RunTally.init) } + [RunTally(current)]
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
        let url = store.runDirectory(runID).appendingPathComponent("results.json")
        do {
            let slim = try JSONCoding.decode(SlimRun.self, from: try Files.read(url))
            return RunTally(runID: slim.runID, startedAt: slim.startedAt, results: slim.results.lazy.map { ($0.status, $0.services) })
        } catch {
            throw LSQMError.wrap(error, action: "load run \(runID)", kind: .invalidInput)
        }
    }

    /// The few fields of `RunRecord` that trends use; the decoder skips the rest (logs are most of a run's bytes).
    private struct SlimRun: Decodable {
        struct Result: Decodable { var status: ValidationStatus; var services: [String] }
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
