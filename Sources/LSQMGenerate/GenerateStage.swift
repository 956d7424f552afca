import Foundation
import LSQMBasics
import LSQMCore
import LSQMTemplates

/// Which generator writes the apps.
public enum GeneratorKind: String, Sendable, Codable, CaseIterable {
    case claude, rules
}

/// The generate stage: one pytest+boto3 test app per architecture in `apps/<arch hash>/`.
///
/// Apps are cached: an app is kept while it is current (same architecture hash — the content — and the same
/// prompt or rules version). Claude calls are counted against a token budget and stop before a call that could
/// exceed it. An app that fails its checks gets one repair round-trip; if it fails again it is not saved and
/// the architecture is skipped for this run with the reason in the output.
public enum GenerateStage {
    public struct ClaudeSettings: Sendable {
        public var apiKey: String
        public var model: String
        public var baseURL: URL
        public var maxTokens: Int
        public var backoff: Backoff

        public init(
            apiKey: String, model: String, baseURL: URL = ClaudeClient.defaultBaseURL, maxTokens: Int = 8192,
            backoff: Backoff = Backoff(base: .seconds(2), cap: .seconds(60), maxAttempts: 6)
        ) {
            self.apiKey = apiKey; self.model = model; self.baseURL = baseURL; self.maxTokens = maxTokens; self.backoff = backoff
        }
    }

    public struct Input: Sendable {
        public var store: ArtifactStore
        /// Architecture hashes (or unique prefixes) to generate for; empty means every validatable one.
        public var architectures: [String]
        public var generator: GeneratorKind
        /// Required when `generator` is `.claude`.
        public var claude: ClaudeSettings?
        public var tokenBudget: Int
        public var checks: AppChecks
        public var dryRun: Bool
        /// Rule apps generated (and checked) at once.
        public var parallel: Int
        public var logger: Logger
        /// What one architecture may cost the rule generator.
        public var ruleLimits: RuleGenerator.Limits

        public init(
            store: ArtifactStore, architectures: [String] = [], generator: GeneratorKind, claude: ClaudeSettings? = nil,
            tokenBudget: Int = 500_000, checks: AppChecks = AppChecks(), dryRun: Bool = false, parallel: Int = 4, logger: Logger = .silent,
            ruleLimits: RuleGenerator.Limits = .init()
        ) {
            self.store = store; self.architectures = architectures; self.generator = generator; self.claude = claude
            self.tokenBudget = tokenBudget; self.checks = checks; self.dryRun = dryRun; self.parallel = parallel; self.logger = logger
            self.ruleLimits = ruleLimits
        }

        /// `claude` when an API key is configured, else `rules`.
        public static func defaultGenerator(apiKey: String?) -> GeneratorKind {
            (apiKey?.isEmpty == false) ? .claude : .rules
        }
    }

    /// What happened to one architecture.
    public struct AppOutcome: Codable, Sendable, Equatable {
        public enum Status: String, Codable, Sendable {
            /// A new app was saved.
            case generated
            /// The saved app is current: nothing to do.
            case current
            /// No app could be made this run (reason says why); any older app is left as it was.
            case skipped
            /// Not reached: the token budget ran out first.
            case left
            /// Dry run: would be generated.
            case wouldGenerate = "would_generate"
        }
        public var arch: String
        public var status: Status
        public var generator: String?
        public var appHash: String?
        public var inputTokens: Int
        public var outputTokens: Int
        public var tests: Int?
        public var repaired: Bool
        public var reason: String?

        init(
            arch: String, status: Status, generator: String? = nil, appHash: String? = nil, usage: ClaudeClient.Usage = .init(),
            tests: Int? = nil, repaired: Bool = false, reason: String? = nil
        ) {
            self.arch = arch; self.status = status; self.generator = generator; self.appHash = appHash
            self.inputTokens = usage.inputTokens; self.outputTokens = usage.outputTokens; self.tests = tests
            self.repaired = repaired; self.reason = reason
        }

        enum CodingKeys: String, CodingKey {
            case arch, status, generator, tests, repaired, reason
            case appHash = "app_hash"
            case inputTokens = "input_tokens"
            case outputTokens = "output_tokens"
        }
    }

    public struct Output: Codable, Sendable, Equatable {
        public var generator: GeneratorKind
        public var model: String?
        public var promptVersion: String?
        public var apps: [AppOutcome]
        public var inputTokens: Int
        public var outputTokens: Int
        public var tokenBudget: Int
        public var budgetExhausted: Bool
        /// Architectures left without a (new) app because the budget ran out.
        public var left: Int

        public func count(_ status: AppOutcome.Status) -> Int { apps.filter { $0.status == status }.count }

        enum CodingKeys: String, CodingKey {
            case generator, model, apps, left
            case promptVersion = "prompt_version"
            case inputTokens = "input_tokens"
            case outputTokens = "output_tokens"
            case tokenBudget = "token_budget"
            case budgetExhausted = "budget_exhausted"
        }
    }

    public static func run(_ input: Input) async throws -> Output {
        let architectures = try select(input)
        var run = Run(input: input)
        if input.generator == .claude {
            guard let settings = input.claude, !settings.apiKey.isEmpty else {
                throw LSQMError(
                    .usage, action: "generate with Claude", cause: "ANTHROPIC_API_KEY is not set",
                    hint: "set ANTHROPIC_API_KEY or use --generator rules")
            }
            run.client = ClaudeClient(
                apiKey: settings.apiKey, model: settings.model, baseURL: settings.baseURL,
                maxTokens: settings.maxTokens, backoff: settings.backoff, logger: input.logger)
        }
        if input.generator == .rules {
            // No budget to share: apps are independent, and the checks (a Python start and a pytest collection
            // each, seconds apiece) dominate, so they run `parallel` at a time.
            run.outcomes = try await inParallel(architectures, limit: input.parallel) { architecture in
                var single = Run(input: input)
                return try await single.generate(architecture)
            }
        }
        for (position, architecture) in architectures.enumerated() where input.generator == .claude {
            if run.budgetExhausted {
                run.outcomes.append(AppOutcome(arch: architecture.id, status: .left, reason: "token budget exhausted"))
                continue
            }
            let outcome = try await run.generate(architecture)
            run.outcomes.append(outcome)
            if run.budgetExhausted, outcome.status == .left {
                let left = architectures.count - position
                input.logger.warning(
                    "generate", "budget_exhausted",
                    "token budget exhausted: used \(run.usage.total) of \(input.tokenBudget) tokens; "
                        + "\(left) architecture\(left == 1 ? "" : "s") left without a new app (raise ANTHROPIC_TOKEN_BUDGET or use --generator rules)",
                    fields: ["used": .number(Double(run.usage.total)), "budget": .number(Double(input.tokenBudget)), "left": .number(Double(left))])
            }
        }
        let left = run.outcomes.filter { $0.status == .left }.count
        input.logger.info(
            "generate", "summary",
            "\(run.outcomes.filter { $0.status == .generated }.count) generated, \(run.outcomes.filter { $0.status == .current }.count) current, "
                + "\(run.outcomes.filter { $0.status == .skipped }.count) skipped, \(left) left; \(run.usage.total) tokens",
            fields: ["input_tokens": .number(Double(run.usage.inputTokens)), "output_tokens": .number(Double(run.usage.outputTokens))])
        let output = Output(
            generator: input.generator, model: input.generator == .claude ? input.claude?.model : nil,
            promptVersion: input.generator == .claude ? TestAppPrompt.version : nil, apps: run.outcomes,
            inputTokens: run.usage.inputTokens, outputTokens: run.usage.outputTokens, tokenBudget: input.tokenBudget,
            budgetExhausted: run.budgetExhausted, left: left)
        // The run's record next to the apps: tokens spent, what was skipped and why, what the budget left.
        if !input.dryRun { try AtomicFile.writeJSON(output, to: recordFile(input.store)) }
        return output
    }

    /// `apps/generation.json`: the last generate run's `Output`.
    public static func recordFile(_ store: ArtifactStore) -> URL { store.appsDirectory.appendingPathComponent("generation.json") }

    /// Maps `items` through `body` with at most `limit` running at once, keeping the order of `items`.
    static func inParallel<T: Sendable, R: Sendable>(_ items: [T], limit: Int, _ body: @escaping @Sendable (T) async throws -> R) async throws -> [R]
    {
        try await withThrowingTaskGroup(of: (Int, R).self) { group in
            var results = [R?](repeating: nil, count: items.count)
            var next = 0
            func startNext() {
                guard next < items.count else { return }
                let (index, item) = (next, items[next])
                group.addTask { (index, try await body(item)) }
                next += 1
            }
            for _ in 0..<max(1, limit) { startNext() }
            while let (index, result) = try await group.next() {
                results[index] = result
                startNext()
            }
            return results.compactMap { $0 }
        }
    }

    /// The architectures to generate for, by id; `--arch` values may be unique prefixes.
    static func select(_ input: Input) throws -> [Architecture] {
        let index = try input.store.loadIndex()
        let candidates = index.sorted.filter { $0.skipReason == nil && $0.normalization?.status != .failed }
        guard !input.architectures.isEmpty else { return candidates }
        return try input.architectures.map { wanted in
            let matches = index.sorted.filter { $0.id.hasPrefix(wanted.lowercased()) }
            guard matches.count == 1, let match = matches.first else {
                throw LSQMError(
                    .usage, action: "select architecture '\(wanted)'",
                    cause: matches.isEmpty ? "no architecture in the index has that hash" : "the prefix matches \(matches.count) architectures",
                    hint: "see `lsqm status` for the known hashes")
            }
            return match
        }
    }

    /// Whether the saved app can stay: it is for this architecture, its files are there, and it was made by
    /// the current prompt (Claude) or rules version. A Claude app is kept when rules are asked for; a rules app
    /// is replaced when Claude is.
    static func isCurrent(_ metadata: TestAppMetadata?, arch: String, store: ArtifactStore, requested: GeneratorKind) -> Bool {
        guard let metadata, metadata.arch == arch,
            AppFiles.names.allSatisfy({ Files.exists(store.appDirectory(arch).appendingPathComponent($0)) })
        else { return false }
        // Generated from Terraform a normalizer has since rewritten: its tests may assert what is no longer
        // deployed. (Apps from before the hash was recorded are kept: their source cannot be told.)
        if let generatedFrom = metadata.terraformHash, generatedFrom != store.terraformHash(arch) { return false }
        switch (metadata.generator, requested) {
        case (GeneratorKind.claude.rawValue, .claude): return metadata.promptVersion == TestAppPrompt.version
        case (GeneratorKind.claude.rawValue, .rules): return true
        case (GeneratorKind.rules.rawValue, .rules): return metadata.generatorVersion == RuleGenerator.version
        default: return false
        }
    }

    /// The mutable state of one stage run.
    struct Run {
        let input: Input
        var client: ClaudeClient?
        var usage = ClaudeClient.Usage()
        var budgetExhausted = false
        var outcomes: [AppOutcome] = []

        init(input: Input) { self.input = input }

        var logger: Logger { input.logger }

        mutating func generate(_ architecture: Architecture) async throws -> AppOutcome {
            let store = input.store
            let id = architecture.id
            if GenerateStage.isCurrent(store.loadAppMetadata(id), arch: id, store: store, requested: input.generator) {
                logger.debug("generate", "current", "\(architecture.name) (\(id.prefix(12))): app is current")
                return AppOutcome(
                    arch: id, status: .current, generator: store.loadAppMetadata(id)?.generator, appHash: store.loadAppMetadata(id)?.appHash)
            }
            let terraformDirectory = store.terraformDirectory(id)
            guard !store.terraformFiles(id).isEmpty else {
                return skip(architecture, "it has no Terraform to test")
            }
            if input.dryRun { return AppOutcome(arch: id, status: .wouldGenerate, generator: input.generator.rawValue) }
            // The index's counts were taken when the architecture was indexed; for an older index without them
            // the scan evaluates them from the Terraform it reads anyway.
            var facts = TerraformFacts.scan(directory: terraformDirectory, evaluateCounts: architecture.terraformResources == nil)
            if let counted = architecture.terraformResources {
                facts.instances = Dictionary(
                    counted.map { stored in
                        let total: TerraformCounts.Total =
                            stored.count.map { .known($0) } ?? .unknown(stored.unknownReason ?? "known only when planning")
                        return (stored.address, TerraformCounts.Instances(address: stored.address, type: stored.type, total: total))
                    }, uniquingKeysWith: { first, _ in first })
            }
            switch input.generator {
            case .rules: return try await generateWithRules(architecture, facts)
            case .claude: return try await generateWithClaude(architecture, facts, directory: terraformDirectory)
            }
        }

        func skip(_ architecture: Architecture, _ reason: String, usage: ClaudeClient.Usage = .init()) -> AppOutcome {
            logger.warning(
                "generate", "skipped", "\(architecture.name) (\(architecture.id.prefix(12))): skipped this run: \(reason)",
                fields: ["arch": .string(architecture.id)])
            return AppOutcome(arch: architecture.id, status: .skipped, generator: input.generator.rawValue, usage: usage, reason: reason)
        }

        func save(
            _ architecture: Architecture, _ app: AppFiles, generatorVersion: String, usage: ClaudeClient.Usage,
            tests: Int, repaired: Bool
        ) throws -> AppOutcome {
            let hash = app.hash(generatorVersion: generatorVersion)
            let claude = input.generator == .claude
            let metadata = TestAppMetadata(
                arch: architecture.id, appHash: hash, generator: input.generator.rawValue,
                generatorVersion: generatorVersion, model: claude ? client?.model : nil,
                promptVersion: claude ? TestAppPrompt.version : nil, inputTokens: usage.inputTokens,
                outputTokens: usage.outputTokens, files: AppFiles.names,
                terraformHash: input.store.terraformHash(architecture.id))
            try input.store.saveApp(metadata, files: app.files)
            logger.info(
                "generate", "generated", "\(architecture.name) (\(architecture.id.prefix(12))): \(tests) tests, \(usage.total) tokens",
                fields: [
                    "arch": .string(architecture.id), "app_hash": .string(hash), "tests": .number(Double(tests)),
                    "input_tokens": .number(Double(usage.inputTokens)), "output_tokens": .number(Double(usage.outputTokens)),
                ])
            return AppOutcome(
                arch: architecture.id, status: .generated, generator: input.generator.rawValue, appHash: hash,
                usage: usage, tests: tests, repaired: repaired)
        }

        func generateWithRules(_ architecture: Architecture, _ facts: TerraformFacts) async throws -> AppOutcome {
            let app: AppFiles
            do { app = try RuleGenerator.generate(facts, limits: input.ruleLimits) } catch let error as LSQMError {
                return skip(architecture, error.cause)
            }
            // Known before any check runs, and the common case for architectures of unsupported services.
            guard app.testApp.contains("\ndef test_") else {
                if !facts.problems.isEmpty { return skip(architecture, "its Terraform could not be read: \(facts.problems.joined(separator: "; "))") }
                return skip(architecture, "no resource type the rules can test (supported: \(RuleGenerator.supportedTypes.joined(separator: ", ")))")
            }
            do {
                let collected = try await input.checks.run(app)
                return try save(
                    architecture, app, generatorVersion: RuleGenerator.version, usage: .init(), tests: collected.tests.count, repaired: false)
            } catch let problem as AppChecks.Problem {
                return skip(architecture, "the rule-generated app failed its \(problem)")
            }
        }

        // MARK: Claude

        mutating func generateWithClaude(_ architecture: Architecture, _ facts: TerraformFacts, directory: URL) async throws -> AppOutcome {
            guard let client else { throw LSQMError(.internal, action: "generate with Claude", cause: "no client") }
            guard var messages = Self.firstMessages(architecture, facts, directory: directory) else {
                return skip(architecture, "its Terraform files are not text")
            }
            var spent = ClaudeClient.Usage()
            var repaired = false
            while true {
                let estimate = Self.estimateTokens(messages: messages) + client.maxTokens
                guard usage.total + estimate <= input.tokenBudget else {
                    budgetExhausted = true
                    return AppOutcome(
                        arch: architecture.id, status: .left, generator: GeneratorKind.claude.rawValue, usage: spent,
                        reason: "token budget exhausted (\(usage.total) of \(input.tokenBudget) used; the next call could take \(estimate))")
                }
                let reply: ClaudeClient.Reply
                do {
                    reply = try await client.call(system: TestAppPrompt.system, messages: messages, tool: TestAppPrompt.tool)
                } catch let error as LSQMError where error.code == .httpStatus(400) || error.code == .httpStatus(413) {
                    // This architecture's request was refused (too large, say); the next one may be fine. Outages,
                    // authentication and rate limits that outlast the retries stop the stage instead.
                    return skip(architecture, "the Claude API refused the request: \(error.cause)", usage: spent)
                }
                usage = usage + reply.usage
                spent = spent + reply.usage
                let problem: String
                var toolID: String?
                do {
                    guard let toolUse = reply.toolUse else {
                        throw LSQMError(
                            .invalidInput, action: "read the generated app",
                            cause: "the answer did not call \(TestAppPrompt.toolName) (stop reason \(reply.stopReason ?? "none"))")
                    }
                    toolID = toolUse.id
                    if reply.stopReason == "max_tokens" {
                        throw LSQMError(.invalidInput, action: "read the generated app", cause: "the answer was cut off at max_tokens")
                    }
                    let app = try AppFiles.parse(toolUse.input)
                    let collected = try await input.checks.run(app)
                    return try save(
                        architecture, app, generatorVersion: "claude-prompt-\(TestAppPrompt.version)", usage: spent,
                        tests: collected.tests.count, repaired: repaired)
                } catch let failure as AppChecks.Problem {
                    problem = failure.description
                } catch let failure as LSQMError where failure.kind == .invalidInput {
                    problem = failure.message
                }
                if repaired { return skip(architecture, "the app failed its checks after one repair: \(problem)", usage: spent) }
                repaired = true
                logger.info("generate", "repair", "\(architecture.name) (\(architecture.id.prefix(12))): asking for a repair: \(problem)")
                messages.append(["role": "assistant", "content": .array(reply.content)])
                let text = TestAppPrompt.repairMessage(problem: problem)
                if let toolID {
                    messages.append([
                        "role": "user",
                        "content": [
                            [
                                "type": "tool_result", "tool_use_id": .string(toolID), "is_error": true,
                                "content": .string(text),
                            ]
                        ],
                    ])
                } else {
                    messages.append(["role": "user", "content": .string(text)])
                }
            }
        }

        /// The opening user message: the architecture's metadata, its output names and its files.
        static func firstMessages(_ architecture: Architecture, _ facts: TerraformFacts, directory: URL) -> [JSONValue]? {
            let (sources, omitted) = promptSources(directory)
            guard !sources.isEmpty else { return nil }
            // What exists follows the Terraform's counts: a block whose count is 0 is no resource to test, and
            // one whose count is known only when planning may or may not exist.
            let counted = facts.resources.map { ($0, facts.instances(of: $0)) }
            let notDeployed = counted.filter { $0.1?.count == 0 }.map { $0.0.address }
            let conditional = counted.compactMap { resource, instances -> (String, JSONValue)? in
                guard let instances, instances.count == nil else { return nil }
                return (resource.address, .string(instances.unknownReason ?? "known only when planning"))
            }
            let metadata: JSONValue = [
                "name": .string(architecture.name), "kind": .string(architecture.kind.rawValue),
                "services": .array(architecture.services.map(JSONValue.string)),
                "resource_count": .number(Double(architecture.resourceCount)),
                "resource_types": .array(Array(Set(counted.filter { $0.1?.count != 0 }.map(\.0.type))).sorted().map(JSONValue.string)),
                "not_deployed": .array(Array(Set(notDeployed)).sorted().map(JSONValue.string)),
                "conditional_resources": .object(Dictionary(conditional, uniquingKeysWith: { first, _ in first })),
                "files_not_shown": .array(omitted.map(JSONValue.string)),
            ]
            let user = TestAppPrompt.userMessage(
                metadata: (try? JSONCoding.string(metadata)) ?? "{}", outputs: facts.outputs.map(\.name),
                terraform: sources)
            return [["role": "user", "content": .string(user)]]
        }

        /// A conservative token estimate for the input of a call: about 3 bytes a token for code (the real
        /// ratio is nearer 3.5–4), plus the system prompt and tool schema.
        static func estimateTokens(messages: [JSONValue]) -> Int {
            let bytes =
                ((try? JSONCoding.encode(JSONValue.array(messages), pretty: false))?.count ?? 0)
                + TestAppPrompt.system.utf8.count + ((try? JSONCoding.encode(TestAppPrompt.tool, pretty: false))?.count ?? 0)
            return bytes / 3 + 64
        }

        /// The architecture's text files for the prompt (Terraform and small sources such as a Lambda handler,
        /// which tell the model what payload it expects), and the names of files left out.
        static func promptSources(_ directory: URL) -> (shown: [(path: String, text: String)], omitted: [String]) {
            var shown: [(String, String)] = []
            var omitted: [String] = []
            var total = 0
            for path in Files.regularFiles(under: directory) {
                guard let data = try? Files.read(directory.appendingPathComponent(path)),
                    let text = String(data: data, encoding: .utf8), !text.contains("\0"),
                    data.count <= 60_000, total + data.count <= 200_000
                else {
                    omitted.append(path)
                    continue
                }
                total += data.count
                shown.append((path, text))
            }
            return (shown, omitted)
        }
    }
}
