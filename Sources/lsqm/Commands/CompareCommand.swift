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
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The earlier run (default: the run before RUN_B).") var runA: String?
    @Argument(help: "The later run (default: the newest).") var runB: String?
    @Option(help: "Re-validations per regression candidate; 0 reports candidates as unconfirmed.") var confirm = 1
    @Option(help: "Emulator for re-validation: docker, host, or a URL (default: as configured).") var emulator: String?
    @Flag(help: "Print the comparison as JSON.") var json = false

    func validate() throws {
        if confirm < 0 { throw ValidationError("--confirm must be 0 or more") }
        if runA != nil && runB == nil { throw ValidationError("name both runs (RUN_A RUN_B), or neither") }
    }

    func run() async throws {
        let context = try CommandContext(global)
        let comparison = try await context.compare(previous: runA, current: runB, confirm: confirm, emulator: emulator)
        if json { try context.printJSON(comparison) } else { CompareCommand.printSummary(comparison) }
        if !comparison.open.isEmpty { throw ExitCode(ExitStatus.regressions) }
    }

    static func printSummary(_ comparison: RunComparison) {
        print("run \(comparison.currentRunID) compared with " + (comparison.previousRunID.map { "run \($0)" } ?? "nothing (first run)"))
        for (title, list) in [("confirmed regressions", comparison.regressions), ("flaky (not reproduced when re-validated)", comparison.flaky),
                              ("unconfirmed regression candidates", comparison.unconfirmed)] {
            print("\(title): \(list.count)")
            for checked in list {
                let change = checked.change
                let reruns = checked.reruns.isEmpty ? "" : " [re-run: \(checked.reruns.map(\.rawValue).joined(separator: ", "))]"
                print("  \(change.name) \(change.arch.prefix(12)): \(change.previous?.rawValue ?? "-") -> \(change.current?.rawValue ?? "-")\(reruns)")
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
    func compare(previous: String?, current: String?, confirm: Int, emulator: String?) async throws -> RunComparison {
        let store = try initializedStore(for: "compare")
        let configuration = self.configuration
        let cache = cacheDirectory
        let environment = self.environment
        let logger = self.logger
        let choice = emulator ?? configuration.emulator
        // The emulator runtime is chosen only when a candidate needs confirming.
        if confirm > 0 { reclaimLeftovers() }
        let runtime = LazyRuntime { try await EmulatorSelection.runtime(for: choice, configuration: configuration, environment: environment) }
        let revalidate: Revalidation = { result in
            let options = ValidateOptions.standard(configuration: configuration, cacheDirectory: cache, environment: environment, shard: nil)
            return try await ValidateStage.revalidate(arch: result.arch, store: store, runtime: try await runtime.get(), options: options,
                                                      logger: logger)
        }
        let input = CompareInput(store: store, currentRunID: current, previousRunID: previous, confirmAttempts: confirm,
                                 revalidate: revalidate, save: !options.dryRun)
        return try await logger.stage("compare") { try await CompareStage.run(input, logger: logger) }
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
