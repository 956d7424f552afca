import Foundation
import LSQMBasics
import LSQMCore
import LSQMValidate

/// `lsqm compare RUN_A RUN_B`: the verdict; exit 1 while regressions are open after the judged run.
public struct CompareResult: CommandOutput, Encodable {
    public var comparison: RunComparison

    public func encode(to encoder: any Encoder) throws { try comparison.encode(to: encoder) }
    public var exitStatus: Int32 { comparison.open.isEmpty ? ExitStatus.success : ExitStatus.regressions }

    public var text: String {
        let comparison = self.comparison
        var lines = ["run \(comparison.currentRunID) compared with " + (comparison.previousRunID.map { "run \($0)" } ?? "nothing (first run)")]
        for (title, list) in [
            ("confirmed regressions", comparison.regressions), ("flaky (not reproduced when re-validated)", comparison.flaky),
            ("unconfirmed regression candidates", comparison.unconfirmed),
        ] {
            lines.append("\(title): \(list.count)")
            for checked in list {
                let change = checked.change
                let reruns = checked.reruns.isEmpty ? "" : " [re-run: \(checked.reruns.map(\.rawValue).joined(separator: ", "))]"
                lines.append(
                    "  \(change.name) \(change.arch.prefix(12)): \(change.previous?.rawValue ?? "-") -> \(change.current?.rawValue ?? "-")\(reruns)")
                for decision in checked.checks {
                    lines.append("    \(decision.state.rawValue): \(decision.signature) (baseline \(decision.baselineRunID)): \(decision.reason)")
                }
            }
        }
        let stale = comparison.open.filter { !$0.checked }.count
        lines.append("open regressions: \(comparison.open.count)" + (stale > 0 ? " (\(stale) not checked this run)" : ""))
        for open in comparison.open {
            lines.append(
                "  \(open.name) \(open.arch.prefix(12)) \(open.check) since \(open.openedRunID)\(open.checked ? "" : " (not checked this run)")")
        }
        let excluded = Dictionary(grouping: comparison.excluded, by: \.reason).mapValues(\.count)
        lines.append("fixes: \(comparison.fixes.count), new: \(comparison.new.count), removed: \(comparison.removed.count)")
        lines.append("not regressions by rule: " + ExclusionReason.allCases.map { "\($0.rawValue) \(excluded[$0] ?? 0)" }.joined(separator: ", "))
        return printed(lines)
    }
}

/// `lsqm compare --targets A B`: where two targets of one run disagree, and the pre-release gate (exit 1 when B
/// fails, confirmed by re-runs, something A passes).
public struct TargetComparisonResult: CommandOutput, Encodable {
    public var view: TargetComparison

    public func encode(to encoder: any Encoder) throws { try view.encode(to: encoder) }
    public var exitStatus: Int32 { view.confirmedRegressions.isEmpty ? ExitStatus.success : ExitStatus.regressions }

    /// Who was compared, the agreement line, the differences by service, then by outcome pair with their
    /// architectures, and the gate's verdict.
    public var text: String {
        let view = self.view
        func emulator(_ info: EmulatorInfo?) -> String {
            guard let info else { return "" }
            return " (\([info.name, info.version, info.edition].compactMap { $0 }.joined(separator: " ")))"
        }
        var lines = ["run \(view.runID): A = \(view.targetA)\(emulator(view.emulatorA)), B = \(view.targetB)\(emulator(view.emulatorB))"]
        lines.append(view.agreement.line)
        if !view.services.isEmpty {
            lines.append("services where they disagree (architectures passing only on A / only on B):")
            for service in view.services { lines.append("  \(service.service): \(service.passesOnlyOnA) / \(service.passesOnlyOnB)") }
        }
        let byArch = Dictionary(view.architectures.map { ($0.arch, $0) }, uniquingKeysWith: { first, _ in first })
        for group in view.differences {
            lines.append("passes on \(group.passesOn == "a" ? "A only" : "B only") — A: \(group.a); B: \(group.b) — \(group.count) architecture(s)")
            for arch in group.architectures {
                guard let disagreement = byArch[arch] else { continue }
                let detail = (group.passesOn == "a" ? disagreement.b : disagreement.a).detail.map { ": \(FailureCause.oneLine($0))" } ?? ""
                let gate =
                    disagreement.gate.map {
                        " [gate: \($0.state.rawValue)\($0.reruns.isEmpty ? "" : ", re-runs " + $0.reruns.map(\.rawValue).joined(separator: ", "))]"
                    } ?? ""
                lines.append("  \(disagreement.name) \(arch.prefix(12))\(gate)\(detail)")
            }
        }
        let confirmed = view.confirmedRegressions
        let notConfirmed = view.architectures.compactMap(\.gate).filter { $0.state != .confirmed }
        lines.append(
            confirmed.isEmpty
                ? "gate: pass — \(view.targetB) fails nothing \(view.targetA) passes that re-runs confirm"
                    + (notConfirmed.isEmpty ? "" : " (\(notConfirmed.count) candidate(s) flaky or unconfirmed)")
                : "gate: FAIL — \(confirmed.count) architecture(s) pass on \(view.targetA) and fail on \(view.targetB), confirmed by re-runs")
        return printed(lines)
    }
}

extension Application {
    /// Compares two runs, confirming regression candidates by validating them again with the validate stage.
    /// `previous`/`current` nil: the run before `current`, the newest run. `target` nil: the run's first target.
    public func compare(previous: String?, current: String?, confirm: Int, emulator: String?, target: String? = nil) async throws -> CompareResult {
        let store = try initializedStore(for: "compare")
        // A target's name is an emulator choice: its candidates are re-validated on that target.
        // Emulators are started only when a candidate needs confirming; leftovers of dead runs go first.
        if confirm > 0 { reclaimLeftovers() }
        let revalidate = revalidation(store: store, choice: emulator ?? target ?? configuration.emulator)
        let input = CompareInput(
            store: store, currentRunID: current, previousRunID: previous, confirmAttempts: confirm,
            revalidate: revalidate, save: !options.dryRun, target: target)
        let logger = self.logger
        return CompareResult(comparison: try await logger.stage("compare") { try await CompareStage.run(input, logger: logger) })
    }

    /// The difference view of targets `a` and `b` of a run (default: the newest), its gate candidates
    /// re-validated on `b` (or `emulator`); saved for the dashboard.
    public func compareTargets(run runID: String?, a: String, b: String, confirm: Int, emulator: String?) async throws -> TargetComparisonResult {
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
        return TargetComparisonResult(view: view)
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
