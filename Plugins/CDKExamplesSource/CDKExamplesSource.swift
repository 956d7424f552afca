import Foundation
import LSQMBasics
import LSQMPluginKit
import LSQMSourceSupport

/// Architectures from aws-samples/aws-cdk-examples: each app (a folder with `cdk.json` under a language folder)
/// is synthesized to CloudFormation where the toolchain exists, and the synthesized templates are the
/// architecture (they go to the CloudFormation normalizer like any template).
///
/// Python apps synthesize with `python3 app.py` and `CDK_OUTDIR` — the same thing `cdk synth` runs — which
/// needs only `aws-cdk-lib` from PyPI and node, not the npm-installed `cdk` CLI. Apps in other languages need
/// their package manager's dependencies (npm for TypeScript/JavaScript, Maven, NuGet, Go modules); where those
/// cannot be had they are skipped with the reason recorded, so the index says why and a later run with
/// `synthesize_languages` extended retries them.
///
/// Config: `repo`, `languages` (folders to list, default python and typescript), `synthesize_languages`
/// (default ["python"]), `python` (default "python3"), `synth_timeout_seconds` (300), `max_apps`, and the
/// endpoint keys the host fills in.
public final class CDKExamplesSource: SourcePlugin {
    public static let name = "CDKExamplesSource"
    public static let version = "1.0.0"
    public static let description = "aws-cdk-examples apps synthesized to CloudFormation"

    struct App { var candidate: ArchitectureCandidate; var language: String }

    private let host: PluginHost
    private let api: GitHubAPI
    private let repo: String
    private let languages: [String]
    private let synthesizeLanguages: Set<String>
    private let python: String
    private let synthTimeout: Duration
    private let maxApps: Int
    private let pager = CandidatePager<App>()
    /// Why Python synthesis cannot run here (checked once per instance), or nil when it can.
    private lazy var pythonToolchainProblem: String? = checkPythonToolchain()

    public required init(host: PluginHost, config: JSONValue) throws {
        self.host = host
        self.api = GitHubAPI(host: host, config: config)
        let settings = api.settings
        self.repo = config["repo"]?.stringValue ?? "aws-samples/aws-cdk-examples"
        self.languages = settings.strings("languages", default: ["python", "typescript"])
        self.synthesizeLanguages = Set(settings.strings("synthesize_languages", default: ["python"]))
        self.python = config["python"]?.stringValue ?? "python3"
        self.synthTimeout = .seconds(settings.int("synth_timeout_seconds", default: 300))
        self.maxApps = settings.int("max_apps", default: 10_000)
    }

    public func discover(_ request: DiscoverRequest) throws -> DiscoverResponse {
        try pager.page(request, host: host, list: listApps, sourceURL: \.candidate.sourceURL) { app, _ in try synthesize(app) }
    }

    private func listApps() throws -> (candidates: [App], warnings: [String]) {
        let repository = try api.repository(repo)
        let commit = try api.headCommit(repository.fullName, branch: repository.defaultBranch)
        let files = try api.files(repository.fullName, commit: commit)
        var apps: [App] = []
        for marker in files where marker.path.hasSuffix("/cdk.json") {
            let folder = String(marker.path.dropLast("/cdk.json".count))
            guard let language = folder.split(separator: "/").first.map(String.init), languages.contains(language) else { continue }
            let appFiles = files.filter { file in
                file.path.hasPrefix(folder + "/") && file.size <= 1 << 20
                    && !file.path.dropFirst(folder.count + 1).split(separator: "/").contains {
                        $0 == "node_modules" || $0 == "cdk.out" || $0.hasPrefix(".")
                    }
            }
            let candidate = ArchitectureCandidate(
                repository: repository.fullName, commit: commit, folder: folder, files: appFiles,
                sourceURL: api.folderURL(repository.fullName, commit: commit, folder: folder),
                license: repository.license?.spdxID)
            apps.append(App(candidate: candidate, language: language))
        }
        return (Array(apps.sorted { $0.candidate.folder < $1.candidate.folder }.prefix(maxApps)), [])
    }

    private func synthesize(_ app: App) throws -> CandidateOutcome {
        let url = app.candidate.sourceURL
        guard synthesizeLanguages.contains(app.language) else {
            return .skipped(SkippedItem(sourceURL: url, reason: CDKExamplesSource.unsupportedLanguageReason(app.language)))
        }
        guard app.language == "python" else {
            return .skipped(
                SkippedItem(
                    sourceURL: url,
                    reason:
                        "lsqm synthesizes only Python CDK apps itself; \(app.language) was listed in synthesize_languages but has no synthesis recipe"
                ))
        }
        if let problem = pythonToolchainProblem {
            return .skipped(SkippedItem(sourceURL: url, reason: "cannot synthesize: \(problem)"))
        }
        return try Files.withTemporaryDirectoryBlocking(prefix: "lsqm-cdk") { work in
            for file in app.candidate.files {
                let relative = String(file.path.dropFirst(app.candidate.folder.count + 1))
                guard !relative.split(separator: "/").contains(".."), !relative.hasPrefix("/") else { continue }
                try AtomicFile.write(
                    try api.content(app.candidate.repository, commit: app.candidate.commit, file: file),
                    to: work.appendingPathComponent(relative))
            }
            guard let command = try appCommand(work) else {
                return .skipped(SkippedItem(sourceURL: url, reason: "cdk.json's \"app\" is not a Python command lsqm can run"))
            }
            let output = work.appendingPathComponent("cdk.out", isDirectory: true)
            var environment = SecretEnvironment.scrubbed()
            environment["CDK_OUTDIR"] = output.path
            environment["CDK_DEFAULT_ACCOUNT"] = "000000000000"
            environment["CDK_DEFAULT_REGION"] = "us-east-1"
            environment["JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION"] = "1"
            let result = try BlockingProcess.run(command, environment: environment, workingDirectory: work, timeout: synthTimeout)
            guard result.succeeded else {
                let why = result.timedOut ? "timed out after \(synthTimeout)" : String(result.stderr.suffix(600))
                return .skipped(SkippedItem(sourceURL: url, reason: "CDK synthesis failed: \(why)"))
            }
            let templates = ((try? FileManager.default.contentsOfDirectory(atPath: output.path)) ?? [])
                .filter { $0.hasSuffix(".template.json") }.sorted()
            guard !templates.isEmpty else {
                return .skipped(SkippedItem(sourceURL: url, reason: "CDK synthesis produced no CloudFormation template"))
            }
            let files = try templates.map { PluginFile(path: $0, data: try Files.read(output.appendingPathComponent($0))) }
            return .architecture(
                DiscoveredItem(
                    sourceURL: url, name: "\(app.candidate.repository)/\(app.candidate.folder)", kind: "cloudformation", files: files,
                    metadata: [
                        "repo": .string(app.candidate.repository), "commit": .string(app.candidate.commit),
                        "path": .string(app.candidate.folder), "language": .string(app.language), "synthesized_from": .string("cdk"),
                        "stacks": .array(templates.map { .string(String($0.dropLast(".template.json".count))) }),
                        "source": .string(Self.name),
                    ]))
        }
    }

    /// The `app` command of cdk.json when it runs a Python file (`python3 app.py`, `python app.py`).
    private func appCommand(_ work: URL) throws -> [String]? {
        let cdkJSON = try JSONCoding.decode(JSONValue.self, from: try Files.read(work.appendingPathComponent("cdk.json")))
        let words = (cdkJSON["app"]?.stringValue ?? "").split(separator: " ").map(String.init)
        guard let first = words.first, first.hasPrefix("python"), words.count >= 2, words[1].hasSuffix(".py") else { return nil }
        return [python] + words.dropFirst()
    }

    private func checkPythonToolchain() -> String? {
        guard Subprocess.which("node") != nil else { return "node is not installed (aws-cdk-lib runs its constructs in node)" }
        guard
            let result = try? BlockingProcess.run(
                [python, "-c", "import aws_cdk, constructs"], environment: SecretEnvironment.scrubbed(),
                workingDirectory: nil, timeout: .seconds(120))
        else {
            return "\(python) could not be run"
        }
        return result.succeeded ? nil : "the Python package aws-cdk-lib is not installed for \(python) (pip install aws-cdk-lib)"
    }

    static func unsupportedLanguageReason(_ language: String) -> String {
        switch language {
        case "typescript", "javascript":
            return
                "\(language) CDK apps need their npm dependencies (aws-cdk-lib, constructs, ts-node) installed with npm, which is not reachable here; add \"\(language)\" to synthesize_languages where npm works"
        default:
            return "\(language) CDK apps need their own toolchain and package registry to synthesize, which lsqm does not set up"
        }
    }
}

@_cdecl("lsqm_plugin_entry")
public func lsqm_plugin_entry() -> UnsafeRawPointer { PluginExport.source(CDKExamplesSource.self) }
