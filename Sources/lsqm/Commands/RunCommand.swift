import ArgumentParser
import Foundation
import LSQMBasics
import LSQMCore
import LSQMGenerate
import LSQMMine
import LSQMNotify
import LSQMPush
import LSQMReport
import LSQMSync
import LSQMValidate

/// The whole weekly pipeline: sync → mine → generate → validate → compare (with confirmation) → report →
/// push → notify.
///
/// A failed stage is recorded and the later stages run on what exists; the results so far are always pushed.
/// Exit 0 when every stage succeeded and nothing regressed, 1 on confirmed regressions, 2 when a stage failed.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "The whole weekly pipeline: sync, mine, generate, validate, compare, report, push, notify.")
    @OptionGroup var global: GlobalOptions
    @Option(name: .long, help: "Also mine this local folder. Repeatable.") var local: [String] = []
    @Option(name: .long, help: "File names to leave out of local architectures. Repeatable.") var ignore: [String] = []
    @Option(help: "docker, host, or an emulator URL (default: Docker when an engine answers, else host).") var emulator: String?
    @Option(
        name: .customLong("target"),
        help: "An emulator target (any --emulator form); repeat to validate against each (default: the config's targets, else --emulator).")
    var targets: [String] = []
    @Option(help: "claude or rules (default: claude when ANTHROPIC_API_KEY is set, else rules).") var generator: GeneratorKind?
    @Option(help: "Re-validations per regression candidate (a failure is a regression only when they reproduce it).") var confirm = 2
    @Option(help: "A link to the published report for the notifications.") var reportURL: String?
    @Flag(help: "Print the run summary as JSON on stdout.") var json = false

    struct StageRecord: Codable {
        var stage: String
        /// ok, failed, skipped or cancelled.
        var status: String
        var durationMs: Int
        var detail: String?
        var error: String?
        enum CodingKeys: String, CodingKey {
            case stage, status, detail, error
            case durationMs = "duration_ms"
        }
    }

    struct Outcome: Codable {
        var runID: String?
        var stages: [StageRecord]
        var counts: StatusCounts?
        var passRate: Double?
        var regressions: [String]
        var newArchitectures: Int
        var exitCode: Int32
        enum CodingKeys: String, CodingKey {
            case stages, counts, regressions
            case runID = "run_id"
            case passRate = "pass_rate"
            case newArchitectures = "new_architectures"
            case exitCode = "exit_code"
        }
    }

    func run() async throws {
        let context = try CommandContext(global)
        var pipeline = Pipeline(logger: context.logger)
        let runID = RunID.make()
        var added: [String] = []
        var validatedRun: RunRecord?
        var comparison: RunComparison?
        var otherComparisons: [RunComparison] = []

        await pipeline.step("sync") {
            let output = try await context.sync()
            return "\(output.action) \(output.path)"
        }
        await pipeline.step("mine") {
            let selections = try context.sourceSelections(local: local, ignore: ignore)
            if selections.isEmpty { throw PipelineSkip("no sources configured and no --local folder") }
            let output = try await context.mine(selections)
            added = output.summary.added
            if let error = output.everySourceFailed { throw error }
            let failed = output.failedSources
            return "\(added.count) new architectures" + (failed.isEmpty ? "" : "; failed sources: \(failed.map(\.source).joined(separator: ", "))")
        }
        await pipeline.step("generate") {
            try await context.generateForRun(generator: generator)
        }
        await pipeline.step("validate") {
            if global.dryRun && !context.store.isInitialized { throw PipelineSkip("dry run: the artifact repository does not exist yet") }
            let store = try context.initializedStore(for: "validate")
            let selected = try ValidateStage.select(from: try store.loadIndex(), store: store, hashes: [], shard: nil)
            if global.dryRun { throw PipelineSkip("dry run: would validate \(selected.count) architectures") }
            if emulator != nil, !targets.isEmpty {
                throw LSQMError(.usage, action: "validate", cause: "both --emulator and --target were given", hint: "pass one of them")
            }
            let run = try await context.validate(
                selected, targets: context.configuration.targets(flags: targets, emulator: emulator),
                shard: nil, runID: runID)
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
                let result = try await context.compare(
                    previous: nil, current: run.runID, confirm: confirm,
                    emulator: several ? nil : emulator, target: several ? name : nil)
                if comparison == nil { comparison = result } else { otherComparisons.append(result) }
                lines.append(
                    (several ? "\(name): " : "") + "\(result.regressions.count) confirmed regressions, \(result.open.count) open, "
                        + "\(result.flaky.count) flaky, \(result.fixes.count) fixes")
            }
            if several {
                // The dashboard's difference view: the first two targets, the second as the candidate.
                let view = try await context.compareTargets(
                    run: run.runID, a: run.targetNames[0], b: run.targetNames[1], confirm: confirm, emulator: nil)
                lines.append("\(run.targetNames[0]) vs \(run.targetNames[1]): \(view.agreement.line)")
            }
            return lines.joined(separator: "; ")
        }
        await pipeline.step("report") {
            guard let run = validatedRun else { throw PipelineSkip("no run to report") }
            if global.dryRun { throw PipelineSkip("dry run") }
            return try await context.report(runID: run.runID)
        }
        // What the run amounted to, read once for the commit message, the notifiers and the exit code.
        var overview: RunOverview?
        await pipeline.step("push") {
            if global.dryRun && !context.store.isInitialized { throw PipelineSkip("dry run: nothing to push") }
            if let run = validatedRun {
                overview = try RunOverview.load(store: try context.initializedStore(for: "push"), runID: run.runID, newArchitectureIDs: added)
            }
            let output = try await context.push(overview: overview)
            return output.pushed
                ? "pushed \(output.commit?.prefix(12) ?? "")" : (output.note ?? (output.committed ? "committed" : "nothing to commit"))
        }
        await pipeline.step("notify") {
            guard let overview else { throw PipelineSkip("no run to announce") }
            if context.configuration.notifiers.isEmpty { throw PipelineSkip("no notifiers configured") }
            let outcomes = try await context.notify(overview: overview, reportURL: reportURL)
            let failed = outcomes.filter { $0.error != nil }
            // A failing notifier is recorded, never a failed run.
            return "\(outcomes.count - failed.count) of \(outcomes.count) notifiers delivered"
                + (failed.isEmpty ? "" : "; failed: " + failed.map { "\($0.notifier) (\($0.error ?? ""))" }.joined(separator: ", "))
        }

        // Open regressions: confirmed this run, or confirmed before and still failing the same way. Without an
        // overview (its loading failed and was recorded), the comparison's own list stands.
        let regressions =
            overview?.regressions.map { "\($0.name) [\($0.arch.prefix(12))]\($0.ongoing ? " (still failing)" : "")" }
            ?? Array(Set(comparison?.open.map { "\($0.name) [\($0.arch.prefix(12))]" } ?? [])).sorted()
        // Another target's open regressions fail the run as the first target's do.
        let otherRegressions = otherComparisons.flatMap { other in other.open.map { "\($0.name) [\($0.arch.prefix(12))] on another target" } }
        let allRegressions = regressions + Array(Set(otherRegressions)).sorted()
        let exitCode: Int32 = pipeline.failed ? ExitStatus.toolFailure : (allRegressions.isEmpty ? ExitStatus.success : ExitStatus.regressions)
        let outcome = Outcome(
            runID: validatedRun?.runID, stages: pipeline.records, counts: validatedRun?.counts, passRate: validatedRun?.counts.passRate,
            regressions: allRegressions, newArchitectures: added.count, exitCode: exitCode)
        context.logger.log(
            exitCode == 0 ? .info : .warning, stage: "run", event: "summary",
            message: "run \(outcome.runID ?? "-"): " + pipeline.records.map { "\($0.stage) \($0.status)" }.joined(separator: ", ")
                + (allRegressions.isEmpty ? "" : "; regressions: \(allRegressions.joined(separator: ", "))"),
            durationMs: pipeline.records.map(\.durationMs).reduce(0, +),
            fields: ["exit_code": .number(Double(exitCode)), "run_id": outcome.runID.map { .string($0) } ?? .null])
        if json { try context.printJSON(outcome) }
        if exitCode != 0 { throw ExitCode(exitCode) }
    }
}

/// Thrown by a pipeline step that has nothing to do: recorded as skipped, not failed.
struct PipelineSkip: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}

/// Runs the steps of `lsqm run`, recording each one's outcome and timing; a failure never stops later steps.
struct Pipeline {
    let logger: Logger
    private(set) var records: [RunCommand.StageRecord] = []
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

extension CommandContext {
    /// Writes the report for `runID` into reports/latest/ and a copy into reports/<run_id>/.
    func report(runID: String) async throws -> String {
        let store = try initializedStore(for: "report")
        let lock = try await lockRepository(stage: "report")
        defer { lock?.release() }
        let result = try ReportStage.run(ReportInput(store: store, runID: runID, version: LSQM.version), logger: logger)
        let archived = store.reportsDirectory.appendingPathComponent(runID, isDirectory: true).appendingPathComponent("index.html")
        try AtomicFile.write(try Files.read(result.path), to: archived)
        return "\(result.path.path) (\(result.bytes) bytes), archived as reports/\(runID)/index.html"
    }

    /// The generate step of a whole run: apps for every architecture that lacks a current one.
    func generateForRun(generator: GeneratorKind?) async throws -> String {
        if options.dryRun && !store.isInitialized { throw PipelineSkip("dry run: the artifact repository does not exist yet") }
        _ = try initializedStore(for: "generate")
        let lock = try await lockRepository(stage: "generate")
        defer { lock?.release() }
        let output = try await logger.stage("generate") {
            try await GenerateStage.run(try generateInput(architectures: [], generator: generator))
        }
        return GenerateCommand.summary(output).replacingOccurrences(of: "\n", with: "; ")
    }
}
