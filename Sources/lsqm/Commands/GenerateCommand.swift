import ArgumentParser
import Foundation
import LSQMBasics
import LSQMCore
import LSQMGenerate

extension GeneratorKind: ExpressibleByArgument {}

struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate a pytest test app per architecture.",
        discussion: """
            Apps go to apps/<arch hash>/ and are kept while current. The default generator is claude when \
            ANTHROPIC_API_KEY is set (model LSQM_MODEL, API LSQM_ANTHROPIC_URL, budget ANTHROPIC_TOKEN_BUDGET), \
            else rules (offline, deterministic).
            """)
    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("arch"), help: "An architecture hash or unique prefix (repeatable; default: all).")
    var architectures: [String] = []
    @Option(help: "claude or rules (default: claude when ANTHROPIC_API_KEY is set, else rules).")
    var generator: GeneratorKind?
    @Flag(help: "Print the result as JSON.") var json = false

    func run() async throws {
        let context = try CommandContext(global)
        let output = try await context.logger.stage("generate") {
            try await GenerateStage.run(try context.generateInput(architectures: architectures, generator: generator))
        }
        if json {
            try context.printJSON(output)
        } else {
            print(GenerateCommand.summary(output))
        }
    }

    static func summary(_ output: GenerateStage.Output) -> String {
        var lines = [
            "\(output.count(.generated)) generated, \(output.count(.current)) current, \(output.count(.skipped)) skipped"
                + (output.generator == .claude ? "; \(output.inputTokens + output.outputTokens) of \(output.tokenBudget) tokens used" : "")
        ]
        for app in output.apps where app.status == .skipped {
            lines.append("  skipped \(app.arch.prefix(12)): \(app.reason ?? "")")
        }
        if output.budgetExhausted {
            lines.append("token budget exhausted: \(output.left) architecture\(output.left == 1 ? "" : "s") left without a new app")
        }
        return lines.joined(separator: "\n")
    }
}

extension CommandContext {
    func generateInput(architectures: [String], generator: GeneratorKind?) throws -> GenerateStage.Input {
        let kind = generator ?? GenerateStage.Input.defaultGenerator(apiKey: configuration.anthropicAPIKey)
        var claude: GenerateStage.ClaudeSettings?
        if let key = configuration.anthropicAPIKey, !key.isEmpty {
            var baseURL = ClaudeClient.defaultBaseURL
            if let raw = environment["LSQM_ANTHROPIC_URL"], !raw.isEmpty {
                guard let url = URL(string: raw), url.scheme == "http" || url.scheme == "https" else {
                    throw LSQMError(.usage, action: "read LSQM_ANTHROPIC_URL", cause: "'\(raw)' is not an http(s) URL")
                }
                baseURL = url
            }
            claude = GenerateStage.ClaudeSettings(apiKey: key, model: configuration.model, baseURL: baseURL)
        }
        return GenerateStage.Input(
            store: store, architectures: architectures, generator: kind, claude: claude,
            tokenBudget: configuration.tokenBudget, dryRun: options.dryRun, parallel: configuration.parallel, logger: logger)
    }
}
