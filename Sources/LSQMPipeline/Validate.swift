import Dispatch
import Foundation
import LSQMBasics
import LSQMCore
import LSQMValidate
import Synchronization

/// `lsqm validate`: the run's counts per target (or, in a dry run, what would be validated), or JSON Lines.
public struct ValidateResult: CommandOutput {
    public enum Outcome: Sendable {
        /// A dry run: the architectures and emulator choices that would be validated, `parallel` at a time.
        case plan(architectures: [Architecture], targets: [String], parallel: Int)
        case run(RunRecord, results: URL)
    }
    public var outcome: Outcome

    public var text: String {
        switch outcome {
        case .plan(let architectures, let choices, let parallel):
            return printed(
                [
                    "would validate \(architectures.count) architecture(s) with \(choices.count == 1 ? "emulator" : "targets") "
                        + choices.map { "'\($0)'" }.joined(separator: ", ") + ", \(parallel) at a time:"
                ] + architectures.map { "  \($0.id.prefix(12))  \($0.name)" })
        case .run(let run, let results):
            return printed(
                run.allTargets.map { part in
                    let counts = part.counts
                    return "run \(run.runID)" + (run.otherTargets.isEmpty ? "" : " on \(part.target)")
                        + ": \(counts.total) validated — \(counts.passed) passed, \(counts.partial) partial, \(counts.failed) failed, "
                        + "\(counts.timeout) timeout, \(counts.error) error; not the emulator's fault: \(counts.notEmulator)"
                        + (part.notRun.isEmpty ? "" : "; not run: \(part.notRun.count)")
                } + ["results: \(results.path)"])
        }
    }

    /// JSON Lines, so a CI step can stream it through `jq -c` or `grep` without loading one big array. A run of
    /// several targets says on each line which one it is about. A dry run prints its plan as text either way.
    public func json() throws -> String {
        guard case .run(let run, _) = outcome else { return text }
        let several = run.otherTargets.count > 0
        var lines: [String] = []
        for part in run.allTargets {
            for var line in part.results.map(Self.summary) + part.notRun.map(Self.summary) {
                if several, case .object(var object) = line {
                    object["target"] = .string(part.target)
                    line = .object(object)
                }
                lines.append(try JSONCoding.string(line))
            }
        }
        return printed(lines)
    }

    /// A `--json` line for an architecture the emulator could not run.
    static func summary(_ notRun: NotRun) -> JSONValue {
        ["arch": .string(notRun.arch), "name": .string(notRun.name), "status": "NOT_RUN", "reason": .string(notRun.reason)]
    }

    /// The `--json` shape: the keys CI scripts rely on, `error` always present (null when none).
    static func summary(_ result: ValidationResult) -> JSONValue {
        [
            "arch": .string(result.arch),
            "name": .string(result.name),
            "source_url": .string(result.sourceURL),
            "status": .string(result.status.rawValue),
            "durations": .object(result.durations.mapValues { .number(Double($0)) }),
            "duration_ms": .number(Double(result.durationMs)),
            "error": result.error.map { .string($0) } ?? .null,
            "cause": (result.cause.flatMap { try? JSONCoding.decode(JSONValue.self, from: JSONCoding.encode($0, pretty: false)) }) ?? .null,
            "failed_step": result.failedStep.map { .string($0) } ?? .null,
            "deploy_only": .bool(result.deployOnly),
            "tests": .object([
                "total": .number(Double(result.tests.count)),
                "passed": .number(Double(result.tests.filter { $0.outcome == .passed }.count)),
            ]),
            "warnings": .array(result.warnings.map { .string($0) }),
        ]
    }
}

extension Application {
    /// `lsqm validate`: `architectures` (hashes or prefixes; empty: all, or slice `shard` such as "2/4") against
    /// each of `targets`, else `emulator`, else the configured targets.
    public func validate(architectures: [String], emulator: String?, targets: [String], shard: String?) async throws -> ValidateResult {
        let store = try initializedStore(for: "validate")
        let shard = try shard.map { try Shard(parsing: $0) }
        let selected = try ValidateStage.select(from: try store.loadIndex(), store: store, hashes: architectures, shard: shard)
        let choices = configuration.targets(flags: targets, emulator: emulator)
        if options.dryRun {
            return ValidateResult(outcome: .plan(architectures: selected, targets: choices, parallel: configuration.parallel))
        }
        let run = try await validate(selected, targets: choices, shard: shard)
        return ValidateResult(outcome: .run(run, results: store.runDirectory(run.runID).appendingPathComponent("results.json")))
    }

    /// Validates `selected` against each target in turn, with TTY progress and Ctrl-C cancellation; writes
    /// and returns the run.
    func validate(_ selected: [Architecture], targets choices: [String], shard: Shard?, runID: String = RunID.make()) async throws -> RunRecord {
        let store = try initializedStore(for: "validate")
        reclaimLeftovers()
        var targets: [ValidationTarget] = []
        for choice in choices {
            let target = try await EmulatorSelection.target(for: choice, configuration: configuration, environment: environment)
            logger.info("validate", "emulator", "validating against " + EmulatorSelection.describe(await target.runtime.info))
            targets.append(target)
        }

        var options = ValidateOptions.standard(
            configuration: configuration, cacheDirectory: cacheDirectory,
            environment: environment, shard: shard)
        options.runID = runID
        let progress = ProgressLine(total: selected.count, enabled: isatty(STDERR_FILENO) == 1 && logger.format == .human)
        options.progress = { progress.update($0) }

        // Ctrl-C / SIGTERM cancel the command's task (LSQM.main): running validations tear down (processes
        // killed, emulators stopped), the interrupted architectures are recorded as not run, and lsqm exits.
        progress.start()
        defer { progress.finish() }
        return try await ValidateStage.run(architectures: selected, store: store, targets: targets, options: options, logger: logger)
    }
}

/// `n/N · counts · elapsed` on one terminal line, redrawn every second and after each validation.
final class ProgressLine: Sendable {
    private struct State {
        var done = 0
        var counts = StatusCounts()
        var ticker: Task<Void, Never>?
    }

    private let total: Int
    private let enabled: Bool
    private let started = Stopwatch()
    private let state = Mutex(State())

    init(total: Int, enabled: Bool) {
        self.total = total
        self.enabled = enabled
    }

    func start() {
        guard enabled else { return }
        let ticker = Task { [weak self] in
            while !Task.isCancelled {
                self?.draw()
                try? await Task.sleep(for: .seconds(1))
            }
        }
        state.withLock { $0.ticker = ticker }
    }

    func update(_ progress: ValidationProgress) {
        state.withLock { state in
            state.done = progress.done
            state.counts = progress.counts
        }
        draw()
    }

    func finish() {
        guard enabled else { return }
        state.withLock { $0.ticker?.cancel() }
        draw()
        FileHandle.standardError.write(Data("\n".utf8))
    }

    private func draw() {
        guard enabled else { return }
        let (done, c) = state.withLock { ($0.done, $0.counts) }
        let seconds = Int(started.seconds)
        let line =
            "\r\u{1B}[K[validate] \(done)/\(total) · \(c.passed) passed · \(c.partial) partial · \(c.failed) failed · "
            + "\(c.timeout) timeout · \(c.error) error · \(seconds / 60)m \(String(format: "%02d", seconds % 60))s"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
