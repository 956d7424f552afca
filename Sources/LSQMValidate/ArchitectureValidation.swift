import Foundation
import LSQMBasics
import LSQMCore
import LSQMTemplates

/// Validates one architecture from start to finish: a fresh emulator, health, terraform init and apply, the
/// test app under pytest, then destroy and teardown — which always run, also after a failure, a timeout or
/// cancellation. Never throws: every outcome is one of the five statuses.
struct ArchitectureValidation {
    let architecture: Architecture
    let store: ArtifactStore
    let runtime: any EmulatorRuntime
    let options: ValidateOptions
    let venvs: VenvCache
    let initGate: AsyncGate
    /// Where the first healthy emulator's own account of itself is kept for the run record.
    var observed = ObservedEmulator()

    /// Caps on what a result carries; the full text goes to the per-architecture log file.
    static let outputCap = 64 * 1024
    static let emulatorLogCap = 16 * 1024
    /// How much of the emulator's log the failure classifier reads (more than is kept: moto's tracebacks are long).
    static let classifierLogCap = 64 * 1024

    /// A step that decided the verdict.
    struct Verdict: Error {
        var status: ValidationStatus
        var step: ValidationStep
        var message: String
        var cause: FailureCause
        /// lsqm stopped the command on the provider log's evidence: the provider may still be retrying.
        var stoppedEarly = false
    }

    /// What one validation collects while it runs.
    final class Record {
        var result: ValidationResult
        var log = ""
        var terraformOutput = ""
        init(_ result: ValidationResult) { self.result = result }

        func append(_ heading: String, _ text: String) {
            log += "== \(heading)\n\(text)\(text.hasSuffix("\n") || text.isEmpty ? "" : "\n")"
        }

        func timed<T>(_ step: ValidationStep, _ body: () async throws -> T) async rethrows -> T {
            let stopwatch = Stopwatch()
            defer { result.durations[step.rawValue] = stopwatch.milliseconds }
            return try await body()
        }
    }

    func run() async -> (result: ValidationResult, log: String) {
        let stopwatch = Stopwatch()
        let appHash = appIdentity()
        // Only what is deployed is started, waited for and credited (`Architecture.testedServices`).
        let services = architecture.testedServices
        let record = Record(
            ValidationResult(
                arch: architecture.id, appHash: appHash, sourceURL: architecture.sourceURL,
                name: architecture.name, kind: architecture.kind, services: services,
                status: .error, deployOnly: appHash == nil))
        let untranslated = architecture.untranslatedServices
        record.result.untestedServices = untranslated.isEmpty ? nil : untranslated
        // The Terraform this validation copies into its workspace, hashed: results compare only with results
        // that deployed the same normalized Terraform.
        record.result.terraformHash = store.terraformHash(architecture.id)
        let deadline = ContinuousClock.now + options.timeout
        var emulator: (any RunningEmulator)?
        var workspace: TerraformWorkspace?
        var sharedProvider: SharedProvider?
        var applyStarted = false
        let work: URL
        do {
            if let scratch = options.scratchDirectory { try Files.createDirectory(scratch) }
            work = try Files.makeTemporaryDirectory(prefix: ChildProcesses.ownedScratchPrefix("lsqm-validate"), in: options.scratchDirectory)
        } catch {
            record.result.error = LSQMError.describe(error)
            return finish(record, stopwatch)
        }
        defer { Files.remove(work) }

        do {
            let request = EmulatorRequest(runID: options.runID, arch: architecture.id, services: services, workDirectory: work)
            let started = try await record.timed(.emulatorStart) {
                try await step(.emulatorStart, deadline) { try await runtime.start(request) }
            }
            emulator = started
            record.append("emulator", "\(started.endpoint.absoluteString) (\(started.flavor.rawValue))")
            try await record.timed(.health) {
                try await step(.health, deadline) {
                    try await HealthCheck.wait(
                        for: started, services: services, timeout: min(options.healthTimeout, remaining(deadline)))
                }
            }
            await observed.observe(started)
            let prepared = try TerraformWorkspace.prepare(
                from: store.terraformDirectory(architecture.id), into: work.appendingPathComponent("terraform"),
                endpoint: started.endpoint, settings: options.terraform, baseEnvironment: options.environment)
            workspace = prepared
            try await initialize(prepared, record, deadline)
            applyStarted = true
            let deploying = try await record.timed(.apply) {
                sharedProvider = await startSharedProvider(for: prepared, work: work, record, deadline)
                let deploying = sharedProvider.map(prepared.attached) ?? prepared
                workspace = deploying
                let watch = ProviderLogWatch(log: deploying.providerLog(sharedProvider: sharedProvider), emulator: started)
                let result: Subprocess.Result
                do {
                    result = try await command(.apply, record, deadline, watch: watch) { try await deploying.apply(timeout: $0) }
                } catch let verdict as Verdict where verdict.stoppedEarly {
                    // The provider may still be inside its retry loop: destroy gets a provider of its own.
                    if let provider = sharedProvider { await Task.detached { await provider.stop() }.value }
                    sharedProvider = nil
                    workspace = prepared
                    throw verdict
                }
                guard result.succeeded else { throw await deployFailure(result, step: .apply, workspace: deploying, emulator: started) }
                return deploying
            }
            let outputs = try await step(.apply, deadline) { try await deploying.outputs(timeout: remaining(deadline)) }
            guard outputs.result.succeeded else {
                if outputs.result.timedOut { throw timeoutVerdict(.apply, output: outputs.result.combinedOutput) }
                throw Verdict(
                    status: .error, step: .apply, message: "terraform output -json failed: \(Self.lastError(outputs.result))",
                    cause: FailureCause(
                        .lsqm, step: ValidationStep.apply.rawValue, code: "OutputsUnreadable",
                        message: "terraform output -json failed after a successful apply"))
            }
            try await record.timed(.tests) {
                try await runTests(outputs.values, emulator: started, workspace: deploying, work: work, record, deadline)
            }
        } catch let verdict as Verdict {
            record.result.status = verdict.status
            record.result.failedStep = verdict.step.rawValue
            record.result.error = verdict.message
            record.result.cause = verdict.cause
        } catch {
            record.result.status = .error
            record.result.error = Task.isCancelled ? "validation cancelled" : LSQMError.describe(error)
            record.result.cause = Self.infrastructureCause(error, step: nil)
        }

        // Cleanup: destroy (a failure is only a warning: the emulator is thrown away anyway), then the
        // emulator. Both run in tasks of their own so cancellation of this one cannot cut them short —
        // except destroy, which is skipped on cancellation because it is the slow, optional part.
        if applyStarted, let workspace, !Task.isCancelled {
            let cleanupTimeout = options.cleanupTimeout
            let destroyed = await record.timed(.destroy) {
                await Task.detached { try? await workspace.destroy(timeout: cleanupTimeout) }.value
            }
            if let destroyed {
                record.append("terraform destroy (exit \(destroyed.exitCode), \(destroyed.durationMs) ms)", destroyed.combinedOutput)
                record.terraformOutput += destroyed.combinedOutput
                if !destroyed.succeeded {
                    record.result.warnings.append("terraform destroy failed: \(Self.lastError(destroyed))")
                }
            }
        }
        if let sharedProvider {
            await Task.detached { await sharedProvider.stop() }.value
        }
        if let emulator {
            let tail = await Task.detached { await emulator.logTail(limit: Self.emulatorLogCap) }.value
            if !tail.isEmpty { record.result.emulatorLogTail = tail }
            record.append("emulator log (tail)", tail)
            await Task.detached { await emulator.stop() }.value
        }
        return finish(record, stopwatch)
    }

    private func finish(_ record: Record, _ stopwatch: Stopwatch) -> (ValidationResult, String) {
        record.result.durationMs = stopwatch.milliseconds
        if !record.terraformOutput.isEmpty { record.result.terraformOutput = String(record.terraformOutput.suffix(Self.outputCap)) }
        if let pytest = record.result.pytestOutput { record.result.pytestOutput = String(pytest.suffix(Self.outputCap)) }
        return (record.result, record.log)
    }

    // MARK: Steps

    /// Runs a step; a passed deadline makes it TIMEOUT, any other failure ERROR (infrastructure).
    private func step<T>(_ step: ValidationStep, _ deadline: ContinuousClock.Instant, _ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let verdict as Verdict { throw verdict } catch {
            if Task.isCancelled { throw error }
            if ContinuousClock.now >= deadline { throw timeoutVerdict(step) }
            throw Verdict(status: .error, step: step, message: LSQMError.describe(error), cause: Self.infrastructureCause(error, step: step))
        }
    }

    /// An error that is not a verdict on the architecture: the machine's (a tool, a port, the emulator's
    /// start) or lsqm's own.
    static func infrastructureCause(_ error: any Error, step: ValidationStep?) -> FailureCause {
        let kind: FailureCause.Class = (error as? LSQMError).map { $0.kind == .environment || $0.kind == .cancelled ? .environment : .lsqm } ?? .lsqm
        return FailureCause(kind, step: step?.rawValue, message: LSQMError.describe(error))
    }

    /// TIMEOUT: the emulator kept a deploy or a test waiting (the provider waits for states the emulator
    /// never reports); before terraform runs, the machine was too slow to start the emulator.
    private func timeoutVerdict(_ step: ValidationStep, output: String = "") -> Verdict {
        let message = "the validation ran past LSQM_TIMEOUT (\(options.timeout.components.seconds) s) during \(step.rawValue)"
        let cause: FailureCause
        switch step {
        case .emulatorStart, .health, .initialize:
            cause = FailureCause(.environment, step: step.rawValue, code: "Timeout", message: message)
        case .apply, .tests, .destroy:
            // terraform prints "aws_x.y: Still creating... [4m0s elapsed]" for what it is waiting on.
            let waiting = output.matches(
                of: #/((?:module\.[\w-]+\.)*(aws_[a-z0-9_]+)\.[\w-]+(?:\[[^\]]*\])?): Still (?:creating|modifying|destroying)/#
            ).last
            cause = FailureCause(
                .emulator, service: waiting.flatMap { AWSServices.terraformService(String($0.2)) }, step: step.rawValue, code: "Timeout",
                message: waiting.map { "\($0.1) was still waiting for the emulator when time ran out" } ?? message)
        }
        return Verdict(status: .timeout, step: step, message: message, cause: cause)
    }

    /// What the classifier reads besides the failing output: the deployed Terraform (when there is a workspace)
    /// and the emulator's log tail (when there is an emulator).
    private func failureContext(_ workspace: TerraformWorkspace?, _ emulator: (any RunningEmulator)?) async -> FailureContext {
        FailureContext(
            normalized: architecture.kind.needsNormalization, terraformText: workspace?.terraformText() ?? "",
            emulatorLog: await emulator?.logTail(limit: Self.classifierLogCap) ?? "")
    }

    /// The FAILED (or ERROR, when the emulator could not be reached) verdict of a terraform command that failed.
    private func deployFailure(
        _ result: Subprocess.Result, step: ValidationStep, workspace: TerraformWorkspace,
        emulator: (any RunningEmulator)?
    ) async -> Verdict {
        let context = await failureContext(workspace, emulator)
        let cause = FailureClassifier.terraform(output: result.combinedOutput, step: step, context: context)
        let status: ValidationStatus = cause.kind == .environment ? .error : .failed
        return Verdict(status: status, step: step, message: "terraform \(step.rawValue) failed: \(Self.lastError(result))", cause: cause)
    }

    private struct DeadlinePassed: Error {}

    /// Time left before the deadline; throws once it has passed (`step` turns that into TIMEOUT).
    private func remaining(_ deadline: ContinuousClock.Instant) throws -> Duration {
        let left = deadline - ContinuousClock.now
        guard left > .zero else { throw DeadlinePassed() }
        return left
    }

    /// Runs one terraform command within the deadline, logging its output. With `watch`, the provider's
    /// log is read while it runs, and an answer that says the emulator cannot do the operation stops the
    /// command at once: FAILED, cause `emulator`, the operation named (instead of minutes of retries).
    private func command(
        _ step: ValidationStep, _ record: Record, _ deadline: ContinuousClock.Instant, watch: ProviderLogWatch? = nil,
        _ body: @escaping @Sendable (Duration) async throws -> Subprocess.Result
    ) async throws -> Subprocess.Result {
        let left: Duration
        do { left = try remaining(deadline) } catch { throw timeoutVerdict(step) }
        let (result, fatal) = try await self.step(step, deadline) { try await Self.run(body, left: left, watch: watch) }
        record.append("terraform \(step.rawValue) (exit \(result.exitCode), \(result.durationMs) ms)", result.combinedOutput)
        record.terraformOutput += result.combinedOutput
        if let fatal, let watch {
            var cause = FailureClassifier.classify(fatal, step: step, context: await failureContext(nil, watch.emulator), resourceType: nil)
            let api = cause.apiName ?? "an operation"
            if cause.kind == .emulator { cause.message = FailureCause.oneLine("\(api): \(fatal.message)") }
            record.append("stopped terraform \(step.rawValue)", "the provider log shows \(api) failing: \(fatal.message)")
            throw Verdict(
                status: cause.kind == .environment ? .error : .failed, step: step,
                message: "terraform \(step.rawValue) stopped: \(api) — \(fatal.message)", cause: cause, stoppedEarly: true)
        }
        if result.timedOut { throw timeoutVerdict(step, output: result.combinedOutput) }
        return result
    }

    /// Runs `body`, and `watch` beside it; whichever finishes first decides. A fatal answer cancels the
    /// command (its process group is killed) and is returned with what the command printed until then.
    private static func run(
        _ body: @escaping @Sendable (Duration) async throws -> Subprocess.Result, left: Duration,
        watch: ProviderLogWatch?
    ) async throws -> (Subprocess.Result, APIFailure?) {
        guard let watch else { return (try await body(left), nil) }
        enum Event: Sendable { case finished(Subprocess.Result), fatal(APIFailure) }
        return try await withThrowingTaskGroup(of: Event?.self) { group in
            group.addTask { .finished(try await body(left)) }
            group.addTask { await watch.firstFatalFailure().map(Event.fatal) }
            var fatal: APIFailure?
            while let event = try await group.next() {
                switch event {
                case .finished(let result)?:
                    group.cancelAll()
                    return (result, fatal)
                case .fatal(let failure)?:
                    fatal = failure
                    group.cancelAll()
                case nil:
                    continue
                }
            }
            throw CancellationError()
        }
    }

    private func initialize(_ workspace: TerraformWorkspace, _ record: Record, _ deadline: ContinuousClock.Instant) async throws {
        // One init at a time: the shared plugin cache is not safe for concurrent writers, and init is ~1 s.
        // The recorded duration is terraform's alone, not the wait for the gate.
        await initGate.acquire()
        let result: Subprocess.Result
        do {
            result = try await record.timed(.initialize) {
                try await command(.initialize, record, deadline) { try await workspace.initialize(timeout: $0) }
            }
        } catch {
            await initGate.release()
            throw error
        }
        await initGate.release()
        guard !result.succeeded else { return }
        if let missing = TerraformWorkspace.missingDependency(inInitOutput: result.combinedOutput) {
            let message =
                "terraform init could not install \(missing) (an environment problem, not the architecture's: "
                + "point LSQM_TF_PLUGIN_MIRROR at a fuller mirror or allow registry access)"
            throw Verdict(
                status: .error, step: .initialize, message: message,
                cause: FailureCause(
                    .environment, step: ValidationStep.initialize.rawValue, code: "DependencyUnavailable",
                    message: "terraform init could not install \(missing)"))
        }
        throw await deployFailure(result, step: .initialize, workspace: workspace, emulator: nil)
    }

    /// One provider process for apply and destroy when the workspace allows it (see `SharedProvider`);
    /// nil, with the reason in the log, when terraform should launch the provider itself.
    private func startSharedProvider(
        for workspace: TerraformWorkspace, work: URL, _ record: Record,
        _ deadline: ContinuousClock.Instant
    ) async -> SharedProvider? {
        guard options.terraform.shareProvider else { return nil }
        if let reason = SharedProvider.ineligibility(in: workspace.directory) {
            record.append("aws provider", "launched by terraform per command: \(reason)")
            return nil
        }
        guard let binary = SharedProvider.installedBinary(in: workspace.directory) else {
            record.append("aws provider", "launched by terraform per command: init installed no \(SharedProvider.address) binary")
            return nil
        }
        let left = deadline - ContinuousClock.now
        guard left > .zero else { return nil }
        do {
            let provider = try await SharedProvider.start(
                binary: binary, workspace: workspace.directory, environment: workspace.environment,
                scratch: work.appendingPathComponent("provider", isDirectory: true),
                timeout: min(.seconds(30), left))
            record.append("aws provider", "one shared process (pid \(provider.process.pid)) for apply and destroy")
            return provider
        } catch {
            record.append("aws provider", "launched by terraform per command: \(LSQMError.describe(error))")
            return nil
        }
    }

    private func runTests(
        _ outputs: [String: JSONValue], emulator: any RunningEmulator, workspace: TerraformWorkspace, work: URL,
        _ record: Record, _ deadline: ContinuousClock.Instant
    ) async throws {
        let endpoint = emulator.endpoint
        let appSource = store.appDirectory(architecture.id)
        guard record.result.appHash != nil else {
            record.result.status = .passed
            record.append("tests", "no test app: validated deploy-only")
            return
        }
        let app = work.appendingPathComponent("app", isDirectory: true)
        try Files.createDirectory(app)
        for path in Files.regularFiles(under: appSource) where path != "metadata.json" {
            let target = try ArtifactStore.safeJoin(app, path)
            try Files.createDirectory(target.deletingLastPathComponent())
            try Files.read(appSource.appendingPathComponent(path)).write(to: target)
        }
        let outputsFile = work.appendingPathComponent("outputs.json")
        try AtomicFile.writeJSON(outputs, to: outputsFile)
        let env = ChildEnvironment.forTests(
            options.environment, region: options.terraform.region, endpoint: endpoint,
            outputs: outputs, outputsFile: outputsFile)
        let requirements = (try? String(contentsOf: app.appendingPathComponent("requirements.txt"), encoding: .utf8)) ?? ""
        let python = try await step(.tests, deadline) {
            try await venvs.python(
                for: requirements, environment: ChildEnvironment.base(options.environment, region: options.terraform.region),
                timeout: remaining(deadline))
        }
        let outcome = try await step(.tests, deadline) {
            try await PytestRun.run(
                python: python, appDirectory: app, environment: env,
                reportPath: work.appendingPathComponent("junit.xml"), timeout: remaining(deadline),
                probeDirectory: work.appendingPathComponent("probe", isDirectory: true))
        }
        let tests = Self.withCauses(outcome.tests, calls: outcome.calls, context: await failureContext(workspace, emulator))
        record.result.pytestOutput = outcome.output
        record.result.tests = tests
        record.append("pytest (exit \(outcome.exitCode))", outcome.output)
        if outcome.timedOut { throw timeoutVerdict(.tests) }
        // 0 all passed, 1 some failed, 2 interrupted (collection errors), 5 nothing collected: a verdict on
        // the app. 3 (internal error) and 4 (usage error) mean pytest itself could not run: infrastructure.
        guard [0, 1, 2, 5].contains(outcome.exitCode) else {
            throw Verdict(
                status: .error, step: .tests, message: "pytest could not run (exit \(outcome.exitCode)): \(outcome.output.suffix(500))",
                cause: FailureCause(
                    .environment, step: ValidationStep.tests.rawValue, code: "PytestExit\(outcome.exitCode)",
                    message: "pytest could not run (exit \(outcome.exitCode))"))
        }
        let status = ValidationResult.verdict(forTests: tests, deployOnly: false)
        record.result.status = status
        if status != .passed {
            let failed = tests.filter { $0.outcome == .failed || $0.outcome == .error }
            record.result.failedStep = ValidationStep.tests.rawValue
            record.result.error =
                failed.isEmpty ? "no test ran (pytest exit \(outcome.exitCode))" : "failed tests: \(failed.map(\.name).joined(separator: ", "))"
            record.result.cause = Self.verdictCause(of: failed, pytestExit: outcome.exitCode, output: outcome.output)
        }
    }

    /// Each failed or errored test with its cause.
    static func withCauses(_ tests: [TestCaseResult], calls: [String: [ProbedCall]], context: FailureContext) -> [TestCaseResult] {
        tests.map { test in
            guard test.outcome == .failed || test.outcome == .error else { return test }
            var test = test
            test.cause = FailureClassifier.test(test, calls: calls[test.name] ?? [], context: context)
            return test
        }
    }

    /// The cause of a PARTIAL or FAILED test run: the emulator's when any failed test blames it (that is the
    /// verdict's news), else the first failure's; with no test at all, the app's (it collected nothing).
    static func verdictCause(of failed: [TestCaseResult], pytestExit: Int32, output: String) -> FailureCause {
        let causes = failed.compactMap(\.cause)
        if let emulator = causes.first(where: { $0.kind == .emulator }) { return emulator }
        if let first = causes.first { return first }
        let reason = output.split(separator: "\n").last(where: { $0.contains("Error") }).map(String.init) ?? "pytest exit \(pytestExit)"
        return FailureCause(.test, step: ValidationStep.tests.rawValue, code: "NoTests", message: "the test app ran no test: \(reason)")
    }

    /// The app's identity: the generator's recorded hash, or the hash of its files when it was written by
    /// hand; nil when there is no app (deploy-only).
    private func appIdentity() -> String? {
        if let metadata = store.loadAppMetadata(architecture.id) { return metadata.appHash }
        let directory = store.appDirectory(architecture.id)
        let files = Files.regularFiles(under: directory)
        guard files.contains(where: { $0.hasPrefix("test_") && $0.hasSuffix(".py") }) else { return nil }
        let contents = files.compactMap { path in (try? Data(contentsOf: directory.appendingPathComponent(path))).map { (path: path, content: $0) } }
        return ContentHash.app(files: contents, generatorVersion: "hand-written")
    }

    /// The most useful line of a failed command: terraform's first "Error:" block, else the output's tail.
    static func lastError(_ result: Subprocess.Result) -> String {
        let text = result.combinedOutput
        if let range = text.range(of: "Error: ") {
            return String(text[range.lowerBound...].prefix(600)).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if result.timedOut { return "timed out" }
        return String(text.suffix(600)).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Lets a bounded number of tasks into a section at once, in arrival order.
actor AsyncGate {
    private var available: Int
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(permits: Int) { available = permits }

    /// Waits for a permit; every `acquire` is paired with one `release`.
    func acquire() async {
        if available > 0 {
            available -= 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty { available += 1 } else { waiters.removeFirst().resume() }
    }
}
