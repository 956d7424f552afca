import Foundation
import LSQMBasics
import LSQMCore

/// Settings of one validate run.
public struct ValidateOptions: Sendable {
    public var runID: String
    /// Validations at once (`--parallel`, default 4).
    public var parallel: Int
    /// Bounds one whole validation (LSQM_TIMEOUT): on expiry its processes are killed and it is TIMEOUT.
    public var timeout: Duration
    /// How long an emulator may take to become healthy before the validation is ERROR.
    public var healthTimeout: Duration
    /// Bounds `terraform destroy` in cleanup (which runs after the timeout too).
    public var cleanupTimeout: Duration
    public var terraform: TerraformSettings
    /// Where test venvs are kept (`<cache>/venvs`).
    public var venvDirectory: URL
    /// lsqm's own environment: children get it without secrets, AWS or Terraform settings.
    public var environment: [String: String]
    public var shard: Shard?
    /// Where each validation's temporary directory is made (nil: the system's temporary directory).
    public var scratchDirectory: URL?
    /// Called after each validation finishes (progress display).
    public var progress: (@Sendable (ValidationProgress) -> Void)?

    public init(
        runID: String = RunID.make(), parallel: Int = 4, timeout: Duration = .seconds(300), healthTimeout: Duration = .seconds(90),
        cleanupTimeout: Duration = .seconds(180), terraform: TerraformSettings, venvDirectory: URL,
        environment: [String: String] = ProcessInfo.processInfo.environment, shard: Shard? = nil,
        progress: (@Sendable (ValidationProgress) -> Void)? = nil
    ) {
        self.runID = runID; self.parallel = max(1, parallel); self.timeout = timeout; self.healthTimeout = healthTimeout
        self.cleanupTimeout = cleanupTimeout; self.terraform = terraform; self.venvDirectory = venvDirectory
        self.environment = environment; self.shard = shard; self.progress = progress
    }

    /// The usual settings under a cache directory: `<cache>/terraform-plugins` and `<cache>/venvs`.
    /// `LSQM_HEALTH_TIMEOUT` (seconds, default 90) bounds the wait for an emulator to become healthy;
    /// `LSQM_TF_SHARE_PROVIDER=0` makes terraform launch the provider for every command.
    public static func standard(
        configuration: Configuration, cacheDirectory: URL, environment: [String: String],
        runID: String = RunID.make(), shard: Shard? = nil
    ) -> ValidateOptions {
        let health = environment["LSQM_HEALTH_TIMEOUT"].flatMap(Int.init).flatMap { $0 > 0 ? $0 : nil } ?? 90
        let terraform = TerraformSettings(
            mirror: TerraformSettings.defaultMirror(configured: configuration.terraformMirror),
            pluginCache: cacheDirectory.appendingPathComponent("terraform-plugins", isDirectory: true),
            shareProvider: environment["LSQM_TF_SHARE_PROVIDER"] != "0")
        return ValidateOptions(
            runID: runID, parallel: configuration.parallel, timeout: .seconds(configuration.timeoutSeconds),
            healthTimeout: .seconds(health), terraform: terraform,
            venvDirectory: cacheDirectory.appendingPathComponent("venvs", isDirectory: true),
            environment: environment, shard: shard)
    }
}

/// One of N slices of the architectures (`--shard I/N`, I from 1), chosen by hash so a slice stays stable
/// as the index grows.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) throws {
        guard count >= 1, (1...count).contains(index) else {
            throw LSQMError(.usage, action: "use shard \(index)/\(count)", cause: "expected I/N with 1 ≤ I ≤ N")
        }
        self.index = index; self.count = count
    }

    public init(parsing text: String) throws {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
            throw LSQMError(.usage, action: "read --shard '\(text)'", cause: "expected I/N, e.g. 1/4")
        }
        try self.init(index: index, count: count)
    }

    public func contains(_ hash: String) -> Bool {
        let value = UInt64(hash.prefix(12), radix: 16) ?? UInt64(truncatingIfNeeded: hash.hashValue)
        return Int(value % UInt64(count)) == index - 1
    }

    public var description: String { "\(index)/\(count)" }
}

/// One emulator a run validates against, and the name its results are kept under (nil: named after the
/// emulator it turns out to be, `EmulatorTarget.name(for:)`).
public struct ValidationTarget: Sendable {
    public var name: String?
    public var runtime: any EmulatorRuntime

    public init(name: String? = nil, runtime: any EmulatorRuntime) { self.name = name; self.runtime = runtime }

    func resolvedName() async -> String {
        if let name { return name }
        return EmulatorTarget.name(for: await runtime.info) ?? "emulator"
    }
}

/// Progress after each finished validation.
public struct ValidationProgress: Sendable {
    public var done: Int
    public var total: Int
    public var counts: StatusCounts
    public var latest: ValidationResult
}

/// The validate stage: a fresh emulator per architecture, terraform and pytest for real, in parallel.
public enum ValidateStage {
    /// The architectures to validate: the ones named (full hash or unique prefix), else every indexed one
    /// that is not marked to skip and has Terraform to deploy; then the shard's slice.
    public static func select(from index: ArchitectureIndex, store: ArtifactStore, hashes: [String], shard: Shard?) throws -> [Architecture] {
        var chosen: [Architecture]
        if hashes.isEmpty {
            // A skip reason that only said "a service LocalStack community lacks" (what mine wrote before the
            // emulator decided that at validate time) does not keep an architecture from running.
            chosen = index.sorted.filter {
                ($0.skipReason.map(EmulatorServices.isLegacySkipReason) ?? true) && !store.terraformFiles($0.id).isEmpty
            }
        } else {
            chosen = try hashes.map { prefix in
                let matches = index.sorted.filter { $0.id.hasPrefix(prefix.lowercased()) }
                guard matches.count == 1, prefix.count >= 6 else {
                    throw LSQMError(
                        .usage, action: "select architecture '\(prefix)'",
                        cause: matches.isEmpty ? "no indexed architecture has that hash" : "the prefix matches \(matches.count) architectures",
                        hint: "use at least 6 characters of a hash from 'lsqm status --json' or architectures/index.json")
                }
                // Named or not, a template that needs its author's input is never deployed: it would fail for want
                // of a value, and that failure would be lsqm's, not the emulator's.
                if let missing = matches[0].normalization?.missingInputs {
                    throw LSQMError(
                        .usage, action: "select architecture '\(prefix)'", cause: "its template needs input only its author can give: \(missing)",
                        hint: "validate it once the template gives those values (normalize it again)")
                }
                return matches[0]
            }
            chosen = Array(Dictionary(chosen.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first }).values).sorted { $0.id < $1.id }
        }
        if let shard { chosen = chosen.filter { shard.contains($0.id) } }
        return chosen
    }

    /// Validates `architectures` and writes `runs/<run_id>/results.json` and `runs/<run_id>/logs/<hash>.log`.
    ///
    /// One validation failing, timing out or crashing its tools never stops the others. When the calling
    /// task is cancelled (Ctrl-C), running validations are torn down (their processes killed, emulators
    /// stopped), no new ones start, the run is written with the finished results and every interrupted or
    /// unstarted architecture in `not_run` (never as a verdict), and a cancellation error is thrown.
    public static func run(
        architectures: [Architecture], store: ArtifactStore, runtime: any EmulatorRuntime,
        options: ValidateOptions, logger: Logger
    ) async throws -> RunRecord {
        try await run(architectures: architectures, store: store, targets: [ValidationTarget(runtime: runtime)], options: options, logger: logger)
    }

    /// Validates `architectures` against each target in turn, each validation in a fresh emulator of its
    /// target, into one run: the first target is the run's primary (`results.json` as before targets, logs in
    /// `logs/`), the others' results are kept beside it (logs in `logs/<target slug>/`). The run is written
    /// after every target, so a run stopped in its second target keeps the first.
    public static func run(
        architectures: [Architecture], store: ArtifactStore, targets: [ValidationTarget],
        options: ValidateOptions, logger: Logger
    ) async throws -> RunRecord {
        guard !targets.isEmpty else {
            throw LSQMError(.usage, action: "validate", cause: "no emulator target was given", hint: "pass --emulator or --target")
        }
        var named: [(name: String, runtime: any EmulatorRuntime)] = []
        for target in targets {
            let name = await target.resolvedName()
            guard !named.contains(where: { $0.name == name }) else {
                throw LSQMError(.usage, action: "validate against \(name)", cause: "the target is given twice", hint: "name each target once")
            }
            named.append((name, target.runtime))
        }
        let startedAt = Date()
        var done: [TargetResults] = []
        var record = RunRecord(runID: options.runID, startedAt: startedAt, finishedAt: nil, targets: [], shard: options.shard?.description)
        for (position, target) in named.enumerated() {
            let logs = position == 0 ? "logs" : "logs/\(EmulatorTarget.slug(target.name))"
            let outcome = try await validate(
                architectures, store: store, target: target.name, runtime: target.runtime,
                logFolder: logs, options: options, logger: logger)
            done.append(outcome.results)
            record = RunRecord(runID: options.runID, startedAt: startedAt, finishedAt: Date(), targets: done, shard: options.shard?.description)
            try store.saveRun(record)
            if Task.isCancelled {
                throw LSQMError(
                    .cancelled, action: "validate",
                    cause: "cancelled after \(outcome.validated) of \(outcome.selected) validations on \(target.name)",
                    hint: "partial results are in \(store.runDirectory(options.runID).path)")
            }
        }
        return record
    }

    /// One target's validations, their logs written into `runs/<run_id>/<logFolder>/`.
    private static func validate(
        _ selected: [Architecture], store: ArtifactStore, target: String, runtime: any EmulatorRuntime,
        logFolder: String, options: ValidateOptions, logger: Logger
    ) async throws
        -> (results: TargetResults, validated: Int, selected: Int)
    {
        let logDirectory = store.runDirectory(options.runID).appendingPathComponent(logFolder, isDirectory: true)
        try Files.createDirectory(logDirectory)
        try await runtime.prepare(logger: logger)
        let emulator = await runtime.info
        let (architectures, notRun) = partition(selected, for: emulator, logger: logger)
        let redactor = SecretRedactor.fromEnvironment(options.environment)
        let venvs = VenvCache(directory: options.venvDirectory)
        let initGate = AsyncGate(permits: 1)
        let observed = ObservedEmulator()
        logger.info(
            "validate", "start", "validating \(architectures.count) architecture(s) on \(target), \(options.parallel) at a time",
            fields: ["run_id": .string(options.runID), "count": .number(Double(architectures.count)), "target": .string(target)])

        var results: [ValidationResult] = []
        var interrupted: [NotRun] = []
        var counts = StatusCounts()
        var pending = architectures[...]
        await withTaskGroup(of: (ValidationResult, String, Bool).self) { group in
            func startNext() -> Bool {
                guard !Task.isCancelled, let next = pending.popFirst() else { return false }
                var validation = ArchitectureValidation(
                    architecture: next, store: store, runtime: runtime, options: options,
                    venvs: venvs, initGate: initGate)
                validation.observed = observed
                group.addTask {
                    let (result, log) = await validation.run()
                    // Cancelled while it ran: whatever it reports is the teardown's doing, not a verdict.
                    return (result, log, Task.isCancelled)
                }
                return true
            }
            for _ in 0..<options.parallel where startNext() {}
            while let (result, log, wasInterrupted) = await group.next() {
                let logFile = logDirectory.appendingPathComponent("\(result.arch).log")
                do { try AtomicFile.write(redactor.redact(log), to: logFile) } catch {
                    logger.warning("validate", "log_write_failed", error: LSQMError.wrap(error, action: "write \(logFile.path)"))
                }
                if wasInterrupted {
                    interrupted.append(NotRun(arch: result.arch, name: result.name, reason: Self.interruptedReason))
                    logger.warning(
                        "validate", "interrupted", "\(result.name) \(result.arch.prefix(12)): interrupted, recorded as not run",
                        fields: ["arch": .string(result.arch)])
                    continue
                }
                results.append(result)
                counts.add(result)
                logger.log(
                    result.status == .passed ? .info : .warning, stage: "validate", event: "validated",
                    message: "\(result.name) \(result.arch.prefix(12)): \(result.status.rawValue)" + (result.error.map { " — \($0)" } ?? ""),
                    durationMs: result.durationMs,
                    fields: ["arch": .string(result.arch), "status": .string(result.status.rawValue), "target": .string(target)])
                options.progress?(ValidationProgress(done: results.count, total: architectures.count, counts: counts, latest: result))
                _ = startNext()
            }
        }
        // Never started because the run was stopped: not run either.
        interrupted += pending.map { NotRun(arch: $0.id, name: $0.name, reason: Self.interruptedReason) }
        let part = TargetResults(
            target: target, emulator: observed.info(merging: emulator),
            results: redact(results.sorted { $0.arch < $1.arch }, redactor),
            notRun: (notRun + interrupted).sorted { $0.arch < $1.arch })
        return (part, results.count, architectures.count)
    }

    /// Why an architecture a stopped run did not finish is in `not_run`: a stop is no verdict on the emulator.
    public static let interruptedReason = "interrupted: lsqm was stopped (SIGINT/SIGTERM) before this validation finished"

    /// Splits off the architectures that use a service the emulator does not offer: they are recorded as not
    /// run for this emulator, with the reason, instead of deploying into a certain, uninformative failure.
    /// Only the services that are deployed count: one whose resources lsqm could not translate is not.
    static func partition(_ architectures: [Architecture], for emulator: EmulatorInfo, logger: Logger) -> (run: [Architecture], notRun: [NotRun]) {
        guard let offered = EmulatorServices(emulator: emulator) else { return (architectures, []) }
        var run: [Architecture] = []
        var notRun: [NotRun] = []
        for architecture in architectures {
            if let reason = offered.notRunReason(services: architecture.testedServices) {
                notRun.append(NotRun(arch: architecture.id, name: architecture.name, reason: reason))
            } else {
                run.append(architecture)
            }
        }
        if !notRun.isEmpty {
            logger.info(
                "validate", "not_run",
                "\(notRun.count) architecture(s) not run: they use services \(EmulatorSelection.describe(emulator)) does not offer",
                fields: ["count": .number(Double(notRun.count))])
        }
        return (run, notRun)
    }

    /// Tool output can echo anything; secrets never reach an artifact.
    private static func redact(_ results: [ValidationResult], _ redactor: SecretRedactor) -> [ValidationResult] {
        results.map { result in
            var copy = result
            copy.error = result.error.map(redactor.redact)
            copy.terraformOutput = result.terraformOutput.map(redactor.redact)
            copy.pytestOutput = result.pytestOutput.map(redactor.redact)
            copy.emulatorLogTail = result.emulatorLogTail.map(redactor.redact)
            copy.tests = result.tests.map { test in
                var test = test
                test.message = test.message.map(redactor.redact)
                return test
            }
            return copy
        }
    }
}
