import ArgumentParser
import Foundation
import LSQMBasics
import LSQMCore
import LSQMReport
import LSQMValidate

struct CompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare two runs: regressions, fixes, new, removed, flaky.",
        discussion: """
            With no runs named, judges the newest run. Each check (the deploy, each test) is compared with its own \
            last conclusive result of the same architecture, deployed Terraform and test app; ERROR weeks and \
            failures that are not the emulator's never move that baseline. A check that passed there and fails now \
            is a candidate, re-validated up to --confirm times in a fresh emulator state (an --emulator URL is \
            reset first, or not re-validated): it is a regression only when the re-runs reproduce its failure \
            signature (step, test, cause class, service, operation, code); a pass or a different failure is flaky. \
            Regressions stay open until the check passes again. Naming RUN_A starts the look back for baselines \
            there instead of at the run before RUN_B. The verdict is saved to runs/<RUN_B>/comparison.json; --json prints it, with each \
            candidate's baseline run, signatures, re-run signatures and decision. Exit status: 1 when regressions \
            are open after RUN_B, 0 otherwise, 2 when lsqm itself failed.

            A run validated against several targets (--target) keeps each target's baselines apart: --target NAME \
            judges that target's regressions (default: the run's first target). --targets A B shows instead where \
            the two targets of one run disagree — per service and per architecture, both outcomes with their causes, \
            the differences affecting most architectures first — and is a pre-release gate: exit 1 when B (the \
            candidate) fails something A (the release) passes and re-runs on B in fresh emulators reproduce the \
            failure signature, 0 otherwise. Saved to runs/<RUN_B>/targets-comparison.json for the dashboard.
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The earlier run (default: the run before RUN_B).") var runA: String?
    @Argument(help: "The later run (default: the newest).") var runB: String?
    @Option(help: "Re-validations per regression candidate; 0 reports candidates as unconfirmed.") var confirm = 1
    @Option(help: "Emulator for re-validation: docker, host, or a URL (default: as configured; the target judged, when one is named).") var emulator:
        String?
    @Option(help: "Judge this target's regressions, against its own baselines (default: the run's first target).") var target: String?
    @Option(parsing: .upToNextOption, help: "Compare two targets of the run: the release (A), then the candidate (B).") var targets: [String] = []
    @Flag(help: "Print the comparison as JSON.") var json = false

    func validate() throws {
        if confirm < 0 { throw ValidationError("--confirm must be 0 or more") }
        if !targets.isEmpty {
            if targets.count != 2 { throw ValidationError("--targets takes two targets: the release, then the candidate") }
            if runB != nil { throw ValidationError("--targets compares the targets of one run: name at most that run") }
            if target != nil { throw ValidationError("pass --target (one target's regressions) or --targets A B, not both") }
            return
        }
        if runA != nil && runB == nil { throw ValidationError("name both runs (RUN_A RUN_B), or neither") }
    }

    func run() async throws {
        let context = try CommandContext(global)
        if !targets.isEmpty {
            // One run named goes to RUN_A (the parser fills arguments in order).
            let view = try await context.compareTargets(run: runA, a: targets[0], b: targets[1], confirm: confirm, emulator: emulator)
            if json { try context.printJSON(view) } else { TargetComparisonText.print(view) }
            if !view.confirmedRegressions.isEmpty { throw ExitCode(ExitStatus.regressions) }
            return
        }
        let comparison = try await context.compare(previous: runA, current: runB, confirm: confirm, emulator: emulator, target: target)
        if json { try context.printJSON(comparison) } else { CompareCommand.printSummary(comparison) }
        if !comparison.open.isEmpty { throw ExitCode(ExitStatus.regressions) }
    }

    static func printSummary(_ comparison: RunComparison) {
        print("run \(comparison.currentRunID) compared with " + (comparison.previousRunID.map { "run \($0)" } ?? "nothing (first run)"))
        for (title, list) in [
            ("confirmed regressions", comparison.regressions), ("flaky (not reproduced when re-validated)", comparison.flaky),
            ("unconfirmed regression candidates", comparison.unconfirmed),
        ] {
            print("\(title): \(list.count)")
            for checked in list {
                let change = checked.change
                let reruns = checked.reruns.isEmpty ? "" : " [re-run: \(checked.reruns.map(\.rawValue).joined(separator: ", "))]"
                print(
                    "  \(change.name) \(change.arch.prefix(12)): \(change.previous?.rawValue ?? "-") -> \(change.current?.rawValue ?? "-")\(reruns)")
                for decision in checked.checks {
                    print("    \(decision.state.rawValue): \(decision.signature) (baseline \(decision.baselineRunID)): \(decision.reason)")
                }
            }
        }
        let stale = comparison.open.filter { !$0.checked }.count
        print("open regressions: \(comparison.open.count)" + (stale > 0 ? " (\(stale) not checked this run)" : ""))
        for open in comparison.open {
            print("  \(open.name) \(open.arch.prefix(12)) \(open.check) since \(open.openedRunID)\(open.checked ? "" : " (not checked this run)")")
        }
        let excluded = Dictionary(grouping: comparison.excluded, by: \.reason).mapValues(\.count)
        print("fixes: \(comparison.fixes.count), new: \(comparison.new.count), removed: \(comparison.removed.count)")
        print("not regressions by rule: " + ExclusionReason.allCases.map { "\($0.rawValue) \(excluded[$0] ?? 0)" }.joined(separator: ", "))
    }
}

extension CommandContext {
    /// Compares two runs, confirming regression candidates by validating them again with the validate stage.
    func compare(previous: String?, current: String?, confirm: Int, emulator: String?, target: String? = nil) async throws -> RunComparison {
        let store = try initializedStore(for: "compare")
        // A target's name is an emulator choice: its candidates are re-validated on that target.
        // Emulators are started only when a candidate needs confirming; leftovers of dead runs go first.
        if confirm > 0 { reclaimLeftovers() }
        let revalidate = revalidation(store: store, choice: emulator ?? target ?? configuration.emulator)
        let input = CompareInput(
            store: store, currentRunID: current, previousRunID: previous, confirmAttempts: confirm,
            revalidate: revalidate, save: !options.dryRun, target: target)
        let logger = self.logger
        return try await logger.stage("compare") { try await CompareStage.run(input, logger: logger) }
    }

    /// The difference view of targets `a` and `b` of a run (default: the newest), its gate candidates
    /// re-validated on `b` (or `emulator`); saved for the dashboard.
    func compareTargets(run runID: String?, a: String, b: String, confirm: Int, emulator: String?) async throws -> TargetComparison {
        let store = try initializedStore(for: "compare")
        guard let id = runID ?? store.runIDs().last else {
            throw LSQMError(
                .usage, action: "compare targets \(a) and \(b)", cause: "there are no runs yet",
                hint: "run 'lsqm validate --target \(a) --target \(b)' first")
        }
        let run = try store.loadRun(id)
        var view = try TargetComparison.compare(run, a: a, b: b)
        if confirm > 0 { reclaimLeftovers() }
        try await view.confirm(attempts: confirm, on: run, revalidate: revalidation(store: store, choice: emulator ?? b))
        if !options.dryRun { try store.saveTargetComparison(view) }
        logger.info("compare", "targets", "\(a) vs \(b): \(view.agreement.line); \(view.confirmedRegressions.count) confirmed regression(s) on \(b)")
        return view
    }

    /// Re-validates one architecture in a fresh emulator of `choice`, chosen only when a candidate needs it.
    private func revalidation(store: ArtifactStore, choice: String) -> Revalidation {
        let configuration = self.configuration
        let cache = cacheDirectory
        let environment = self.environment
        let logger = self.logger
        let runtime = LazyRuntime { try await EmulatorSelection.runtime(for: choice, configuration: configuration, environment: environment) }
        return { result in
            let options = ValidateOptions.standard(configuration: configuration, cacheDirectory: cache, environment: environment, shard: nil)
            return try await ValidateStage.revalidate(
                arch: result.arch, store: store, runtime: try await runtime.get(), options: options,
                logger: logger)
        }
    }
}

/// Creates a value once, on first use, from any task.
actor LazyRuntime {
    private let make: @Sendable () async throws -> any EmulatorRuntime
    private var value: (any EmulatorRuntime)?
    init(_ make: @escaping @Sendable () async throws -> any EmulatorRuntime) { self.make = make }
    func get() async throws -> any EmulatorRuntime {
        if let value { return value }
        let made = try await make()
        value = made
        return made
    }
}

/// The difference view as text: who was compared, the agreement line, the differences by service, then by
/// outcome pair with their architectures, and the gate's verdict.
enum TargetComparisonText {
    static func print(_ view: TargetComparison) {
        func emulator(_ info: EmulatorInfo?) -> String {
            guard let info else { return "" }
            return " (\([info.name, info.version, info.edition].compactMap { $0 }.joined(separator: " ")))"
        }
        Swift.print("run \(view.runID): A = \(view.targetA)\(emulator(view.emulatorA)), B = \(view.targetB)\(emulator(view.emulatorB))")
        Swift.print(view.agreement.line)
        if !view.services.isEmpty {
            Swift.print("services where they disagree (architectures passing only on A / only on B):")
            for service in view.services { Swift.print("  \(service.service): \(service.passesOnlyOnA) / \(service.passesOnlyOnB)") }
        }
        let byArch = Dictionary(view.architectures.map { ($0.arch, $0) }, uniquingKeysWith: { first, _ in first })
        for group in view.differences {
            Swift.print("passes on \(group.passesOn == "a" ? "A only" : "B only") — A: \(group.a); B: \(group.b) — \(group.count) architecture(s)")
            for arch in group.architectures {
                guard let disagreement = byArch[arch] else { continue }
                let detail = (group.passesOn == "a" ? disagreement.b : disagreement.a).detail.map { ": \(FailureCause.oneLine($0))" } ?? ""
                let gate =
                    disagreement.gate.map {
                        " [gate: \($0.state.rawValue)\($0.reruns.isEmpty ? "" : ", re-runs " + $0.reruns.map(\.rawValue).joined(separator: ", "))]"
                    } ?? ""
                Swift.print("  \(disagreement.name) \(arch.prefix(12))\(gate)\(detail)")
            }
        }
        let confirmed = view.confirmedRegressions
        let notConfirmed = view.architectures.compactMap(\.gate).filter { $0.state != .confirmed }
        Swift.print(
            confirmed.isEmpty
                ? "gate: pass — \(view.targetB) fails nothing \(view.targetA) passes that re-runs confirm"
                    + (notConfirmed.isEmpty ? "" : " (\(notConfirmed.count) candidate(s) flaky or unconfirmed)")
                : "gate: FAIL — \(confirmed.count) architecture(s) pass on \(view.targetA) and fail on \(view.targetB), confirmed by re-runs")
    }
}
