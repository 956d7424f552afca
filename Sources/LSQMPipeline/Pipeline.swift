import Foundation
import LSQMBasics
import LSQMCore
import LSQMGenerate
import LSQMValidate

/// What `lsqm run` is asked to do beyond the configuration.
public struct RunRequest: Sendable {
    /// Extra local folders to mine (one LocalDirectorySource each), and file names to leave out of them.
    public var local: [String]
    public var ignore: [String]
    /// docker, host or an emulator URL; nil: the configuration's choice.
    public var emulator: String?
    /// Emulator targets to validate against each (empty: the config's targets, else `emulator`).
    public var targets: [String]
    /// nil: claude when ANTHROPIC_API_KEY is set, else rules.
    public var generator: GeneratorKind?
    /// Re-validations per regression candidate.
    public var confirm: Int
    /// A link to the published report for the notifications.
    public var reportURL: String?

    public init(
        local: [String] = [], ignore: [String] = [], emulator: String? = nil, targets: [String] = [], generator: GeneratorKind? = nil,
        confirm: Int = 2, reportURL: String? = nil
    ) {
        self.local = local
        self.ignore = ignore
        self.emulator = emulator
        self.targets = targets
        self.generator = generator
        self.confirm = confirm
        self.reportURL = reportURL
    }
}

/// One step of a whole run as it ended.
public struct StageRecord: Codable, Sendable, Equatable {
    public var stage: String
    /// ok, failed, skipped or cancelled.
    public var status: String
    public var durationMs: Int
    public var detail: String?
    public var error: String?
    enum CodingKeys: String, CodingKey {
        case stage, status, detail, error
        case durationMs = "duration_ms"
    }
}

/// What a whole run amounted to: `lsqm run --json` prints it, and its exit code is the command's.
public struct RunOutcome: Codable, Sendable, CommandOutput {
    public var runID: String?
    public var stages: [StageRecord]
    public var counts: StatusCounts?
    public var passRate: Double?
    /// Open regressions: confirmed this run, or confirmed before and still failing the same way; another
    /// target's too.
    public var regressions: [String]
    public var newArchitectures: Int
    /// 0 when every stage succeeded and nothing regressed, 1 on open regressions, 2 when a stage failed.
    public var exitCode: Int32
    enum CodingKeys: String, CodingKey {
        case stages, counts, regressions
        case runID = "run_id"
        case passRate = "pass_rate"
        case newArchitectures = "new_architectures"
        case exitCode = "exit_code"
    }

    /// The run logs its summary; stdout carries only `--json`.
    public var text: String { "" }
    /// A failed stage is a tool failure, reported as an exit code (its error is in the log and in `stages`).
    public var exitStatus: Int32 { exitCode }
}

extension Application {
    /// The whole weekly pipeline: sync → mine → generate → validate → compare (with confirmation) → report →
    /// push → notify.
    ///
    /// A failed stage is recorded and the later stages run on what exists; the results so far are always pushed.
    /// Stopped by cancellation (SIGINT/SIGTERM), the remaining stages are recorded as cancelled and nothing more
    /// is committed, pushed or announced. Ends with one summary log line.
    public func run(_ request: RunRequest) async -> RunOutcome {
        var pipeline = Pipeline(logger: logger)
        let runID = RunID.make()
        var added: [String] = []
        var validatedRun: RunRecord?
        var comparison: RunComparison?
        var otherComparisons: [RunComparison] = []
        let dryRun = options.dryRun

        await pipeline.step("sync") {
            let output = try await syncRepository()
            return "\(output.action) \(output.path)"
        }
        await pipeline.step("mine") {
            let selections = try sourceSelections(local: request.local, ignore: request.ignore)
            if selections.isEmpty { throw PipelineSkip("no sources configured and no --local folder") }
            let output = try await mine(selections)
            added = output.summary.added
            if let error = output.everySourceFailed { throw error }
            let failed = output.failedSources
            return "\(added.count) new architectures" + (failed.isEmpty ? "" : "; failed sources: \(failed.map(\.source).joined(separator: ", "))")
        }
        await pipeline.step("generate") {
            try await generateForRun(generator: request.generator)
        }
        await pipeline.step("validate") {
            if dryRun && !store.isInitialized { throw PipelineSkip("dry run: the artifact repository does not exist yet") }
            let store = try initializedStore(for: "validate")
            let selected = try ValidateStage.select(from: try store.loadIndex(), store: store, hashes: [], shard: nil)
            if dryRun { throw PipelineSkip("dry run: would validate \(selected.count) architectures") }
            if request.emulator != nil, !request.targets.isEmpty {
                throw LSQMError(.usage, action: "validate", cause: "both --emulator and --target were given", hint: "pass one of them")
            }
            let run = try await validate(
                selected, targets: configuration.targets(flags: request.targets, emulator: request.emulator), shard: nil, runID: runID)
            validatedRun = run
            let c = run.counts
            return "\(c.total) validated: \(c.passed) passed, \(c.partial) partial, \(c.failed) failed, \(c.timeout) timeout, \(c.error) error"
        }
        await pipeline.step("compare") {
            guard let run = validatedRun else { throw PipelineSkip("no run to compare") }
            // Every target against its own baselines; the first target's verdict is the report's and the notifiers'.
            let several = !run.otherTargets.isEmpty
            var lines: [String] = []
            for name in run.targetNames {
                let result = try await compare(
                    previous: nil, current: run.runID, confirm: request.confirm,
                    emulator: several ? nil : request.emulator, target: several ? name : nil
                ).comparison
                if comparison == nil { comparison = result } else { otherComparisons.append(result) }
                lines.append(
                    (several ? "\(name): " : "") + "\(result.regressions.count) confirmed regressions, \(result.open.count) open, "
                        + "\(result.flaky.count) flaky, \(result.fixes.count) fixes")
            }
            if several {
                // The dashboard's difference view: the first two targets, the second as the candidate.
                let view = try await compareTargets(
                    run: run.runID, a: run.targetNames[0], b: run.targetNames[1], confirm: request.confirm, emulator: nil
                ).view
                lines.append("\(run.targetNames[0]) vs \(run.targetNames[1]): \(view.agreement.line)")
            }
            return lines.joined(separator: "; ")
        }
        await pipeline.step("report") {
            guard let run = validatedRun else { throw PipelineSkip("no run to report") }
            if dryRun { throw PipelineSkip("dry run") }
            return try await reportForRun(runID: run.runID)
        }
        // What the run amounted to, read once for the commit message, the notifiers and the exit code.
        var overview: RunOverview?
        await pipeline.step("push") {
            if dryRun && !store.isInitialized { throw PipelineSkip("dry run: nothing to push") }
            if let run = validatedRun {
                overview = try RunOverview.load(store: try initializedStore(for: "push"), runID: run.runID, newArchitectureIDs: added)
            }
            let output = try await push(overview: overview)
            return output.pushed
                ? "pushed \(output.commit?.prefix(12) ?? "")" : (output.note ?? (output.committed ? "committed" : "nothing to commit"))
        }
        await pipeline.step("notify") {
            guard let overview else { throw PipelineSkip("no run to announce") }
            if configuration.notifiers.isEmpty { throw PipelineSkip("no notifiers configured") }
            let outcomes = try await notify(overview: overview, reportURL: request.reportURL)
            let failed = outcomes.filter { $0.error != nil }
            // A failing notifier is recorded, never a failed run.
            return "\(outcomes.count - failed.count) of \(outcomes.count) notifiers delivered"
                + (failed.isEmpty ? "" : "; failed: " + failed.map { "\($0.notifier) (\($0.error ?? ""))" }.joined(separator: ", "))
        }

        let regressions = Self.openRegressions(overview: overview, comparison: comparison, others: otherComparisons)
        let exitCode: Int32 = pipeline.failed ? ExitStatus.toolFailure : (regressions.isEmpty ? ExitStatus.success : ExitStatus.regressions)
        let outcome = RunOutcome(
            runID: validatedRun?.runID, stages: pipeline.records, counts: validatedRun?.counts, passRate: validatedRun?.counts.passRate,
            regressions: regressions, newArchitectures: added.count, exitCode: exitCode)
        logger.log(
            exitCode == 0 ? .info : .warning, stage: "run", event: "summary",
            message: "run \(outcome.runID ?? "-"): " + pipeline.records.map { "\($0.stage) \($0.status)" }.joined(separator: ", ")
                + (regressions.isEmpty ? "" : "; regressions: \(regressions.joined(separator: ", "))"),
            durationMs: pipeline.records.map(\.durationMs).reduce(0, +),
            fields: ["exit_code": .number(Double(exitCode)), "run_id": outcome.runID.map { .string($0) } ?? .null])
        return outcome
    }

    /// Open regressions: confirmed this run, or confirmed before and still failing the same way. Without an
    /// overview (its loading failed and was recorded), the comparison's own list stands. Another target's open
    /// regressions fail the run as the first target's do.
    static func openRegressions(overview: RunOverview?, comparison: RunComparison?, others: [RunComparison]) -> [String] {
        let regressions =
            overview?.regressions.map { "\($0.name) [\($0.arch.prefix(12))]\($0.ongoing ? " (still failing)" : "")" }
            ?? Array(Set(comparison?.open.map { "\($0.name) [\($0.arch.prefix(12))]" } ?? [])).sorted()
        let otherRegressions = others.flatMap { other in other.open.map { "\($0.name) [\($0.arch.prefix(12))] on another target" } }
        return regressions + Array(Set(otherRegressions)).sorted()
    }
}

/// Thrown by a pipeline step that has nothing to do: recorded as skipped, not failed.
struct PipelineSkip: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}

/// Runs the steps of a whole run, recording each one's outcome and timing; a failure never stops later steps.
struct Pipeline {
    let logger: Logger
    private(set) var records: [StageRecord] = []
    var failed: Bool { records.contains { $0.status == "failed" } }

    init(logger: Logger) { self.logger = logger }

    mutating func step(_ name: String, _ body: () async throws -> String) async {
        let stopwatch = Stopwatch()
        // Stopped by SIGINT/SIGTERM: nothing more runs (no commit, no push, no notification of a partial run).
        if Task.isCancelled {
            records.append(.init(stage: name, status: "cancelled", durationMs: 0, detail: "lsqm was stopped"))
            return
        }
        do {
            let detail = try await body()
            records.append(.init(stage: name, status: "ok", durationMs: stopwatch.milliseconds, detail: detail))
        } catch let skip as PipelineSkip {
            records.append(.init(stage: name, status: "skipped", durationMs: stopwatch.milliseconds, detail: skip.reason))
            logger.info(name, "skipped", "skipped: \(skip.reason)")
        } catch  where Task.isCancelled {
            records.append(.init(stage: name, status: "cancelled", durationMs: stopwatch.milliseconds, detail: LSQMError.describe(error)))
            logger.warning(name, "stage_cancelled", "\(name) stopped: lsqm was interrupted")
        } catch {
            let wrapped = error as? LSQMError ?? LSQMError.wrap(error, action: "run stage \(name)")
            records.append(.init(stage: name, status: "failed", durationMs: stopwatch.milliseconds, error: wrapped.message))
            logger.error(name, "stage_failed", "\(name) failed; the run goes on with what exists", error: wrapped)
        }
    }
}
