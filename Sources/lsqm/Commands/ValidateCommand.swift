import ArgumentParser
import Dispatch
import Foundation
import LSQMBasics
import LSQMCore
import LSQMValidate
import Synchronization

struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Deploy and test architectures in fresh emulators.",
        discussion: """
            Each architecture gets its own emulator on its own port: terraform init/apply with every AWS endpoint \
            pointed at it, its test app under pytest, then destroy. Results go to runs/<run_id>/results.json and \
            runs/<run_id>/logs/<hash>.log in the artifact repository. Statuses: PASSED, PARTIAL, FAILED, TIMEOUT, \
            ERROR (infrastructure). LSQM_TIMEOUT bounds one validation (default 300 s).
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("arch"), help: "Validate only this architecture (hash or unique prefix; repeatable).")
    var architectures: [String] = []

    @Option(
        help: "docker, docker:IMAGE:TAG, host, host:moto, host:localstack or http://HOST:PORT (default: Docker when an engine answers, else host).")
    var emulator: String?

    @Option(
        name: .customLong("target"),
        help: """
            An emulator target, in any --emulator form; repeat it to validate every architecture against each target \
            in turn, each in fresh emulators (the first is the run's primary). Default: the config's targets, else --emulator.
            """)
    var targets: [String] = []

    @Option(help: "Validate slice I of N (1-based), e.g. 2/4, for CI matrix jobs.")
    var shard: String?

    @Flag(
        help: """
            Print JSON Lines on stdout: one compact object per architecture, in hash order (arch, name, source_url, \
            status, cause, durations, error, failed_step, deploy_only, tests, warnings), then one per architecture not \
            run against this emulator (status NOT_RUN, reason). Logs stay on stderr.
            """)
    var json = false

    func run() async throws {
        let context = try CommandContext(global)
        let store = try context.initializedStore(for: "validate")
        let shard = try self.shard.map { try Shard(parsing: $0) }
        let selected = try ValidateStage.select(from: try store.loadIndex(), store: store, hashes: architectures, shard: shard)
        if emulator != nil, !targets.isEmpty { throw ValidationError("pass --emulator (one target) or --target (one or more), not both") }
        let choices = context.configuration.targets(flags: targets, emulator: emulator)
        if global.dryRun {
            print(
                "would validate \(selected.count) architecture(s) with \(choices.count == 1 ? "emulator" : "targets") "
                    + choices.map { "'\($0)'" }.joined(separator: ", ") + ", \(context.configuration.parallel) at a time:")
            for architecture in selected { print("  \(architecture.id.prefix(12))  \(architecture.name)") }
            return
        }
        let run = try await context.validate(selected, targets: choices, shard: shard)

        if json {
            // JSON Lines, so a CI step can stream it through `jq -c` or `grep` without loading one big array. A
            // run of several targets says on each line which one it is about.
            let several = run.otherTargets.count > 0
            for part in run.allTargets {
                for var line in part.results.map(Self.summary) + part.notRun.map(Self.summary) {
                    if several, case .object(var object) = line { object["target"] = .string(part.target); line = .object(object) }
                    StandardOutput.write(try JSONCoding.encode(line, pretty: false) + Data("\n".utf8))
                }
            }
        } else {
            for part in run.allTargets {
                let counts = part.counts
                print(
                    "run \(run.runID)" + (run.otherTargets.isEmpty ? "" : " on \(part.target)")
                        + ": \(counts.total) validated — \(counts.passed) passed, \(counts.partial) partial, \(counts.failed) failed, "
                        + "\(counts.timeout) timeout, \(counts.error) error; not the emulator's fault: \(counts.notEmulator)"
                        + (part.notRun.isEmpty ? "" : "; not run: \(part.notRun.count)"))
            }
            print("results: \(store.runDirectory(run.runID).appendingPathComponent("results.json").path)")
        }
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

extension CommandContext {
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

    /// The artifact store, or a clear error when the repository has not been set up yet.
    func initializedStore(for command: String) throws -> ArtifactStore {
        let store = self.store
        guard store.isInitialized else {
            throw LSQMError(
                .usage, action: "\(command) \(store.root.path)", cause: "it is not an lsqm artifact repository yet",
                hint: "run 'lsqm sync' and 'lsqm mine' first")
        }
        return store
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
