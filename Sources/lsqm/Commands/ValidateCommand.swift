import ArgumentParser
import LSQMPipeline

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

    func validate() throws {
        if emulator != nil, !targets.isEmpty { throw ValidationError("pass --emulator (one target) or --target (one or more), not both") }
    }

    func run() async throws {
        let application = try global.application()
        try emit(try await application.validate(architectures: architectures, emulator: emulator, targets: targets, shard: shard), json: json)
    }
}
