import ArgumentParser
import LSQMPipeline

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
        let application = try global.application()
        if !targets.isEmpty {
            // One run named goes to RUN_A (the parser fills arguments in order).
            let view = try await application.compareTargets(run: runA, a: targets[0], b: targets[1], confirm: confirm, emulator: emulator)
            return try emit(view, json: json)
        }
        try emit(try await application.compare(previous: runA, current: runB, confirm: confirm, emulator: emulator, target: target), json: json)
    }
}
