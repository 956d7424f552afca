import Foundation
import LSQMBasics
import LSQMCore
import LSQMGenerate

/// `lsqm generate`: the counts, the skipped apps and the token budget.
public struct GenerateResult: CommandOutput {
    public var output: GenerateStage.Output

    public var text: String { printed([summary]) }
    public func json() throws -> String { String(decoding: try JSONCoding.encode(output), as: UTF8.self) }

    /// The summary lines (the whole run's generate step shows them on one line).
    var summary: String {
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

extension Application {
    /// `lsqm generate`: apps for `architectures` (hashes or prefixes; empty: all) with `generator` (nil: claude
    /// when an API key is set, else rules).
    public func generate(architectures: [String], generator: GeneratorKind?) async throws -> GenerateResult {
        let output = try await logger.stage("generate") {
            try await GenerateStage.run(try generateInput(architectures: architectures, generator: generator))
        }
        return GenerateResult(output: output)
    }

    /// The generate step of a whole run: apps for every architecture that lacks a current one.
    func generateForRun(generator: GeneratorKind?) async throws -> String {
        if options.dryRun && !store.isInitialized { throw PipelineSkip("dry run: the artifact repository does not exist yet") }
        _ = try initializedStore(for: "generate")
        let lock = try await lockRepository(stage: "generate")
        defer { lock?.release() }
        let output = try await logger.stage("generate") {
            try await GenerateStage.run(try generateInput(architectures: [], generator: generator))
        }
        return GenerateResult(output: output).summary.replacingOccurrences(of: "\n", with: "; ")
    }

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
