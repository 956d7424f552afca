import Foundation
import LSQMBasics
import LSQMCore

/// Where terraform gets providers and keeps them between validations.
public struct TerraformSettings: Sendable {
    public var executable: String
    /// A filesystem provider mirror (`terraform providers mirror` layout). Providers it holds are installed
    /// from it; any other provider is downloaded directly (which works on a CI runner with internet).
    public var mirror: URL?
    /// One `TF_PLUGIN_CACHE_DIR` shared by every validation: init takes ~1 s instead of ~3.4 s.
    public var pluginCache: URL
    public var region: String
    /// Whether apply and destroy share one provider process where that is safe (`SharedProvider`);
    /// `LSQM_TF_SHARE_PROVIDER=0` turns it off.
    public var shareProvider: Bool

    public init(executable: String = "terraform", mirror: URL?, pluginCache: URL, region: String = "us-east-1", shareProvider: Bool = true) {
        self.executable = executable; self.mirror = mirror; self.pluginCache = pluginCache; self.region = region
        self.shareProvider = shareProvider
    }

    /// The mirror from `LSQM_TF_PLUGIN_MIRROR` / `terraform_mirror`, else `/opt/tf-plugins` when it exists.
    public static func defaultMirror(configured: String?) -> URL? {
        if let configured, !configured.isEmpty { return URL(fileURLWithPath: configured, isDirectory: true) }
        let standard = URL(fileURLWithPath: "/opt/tf-plugins", isDirectory: true)
        return Files.isDirectory(standard) ? standard : nil
    }

    /// `registry.terraform.io/hashicorp/aws`-style addresses of every provider the mirror holds.
    func mirroredProviders() -> [String] {
        guard let mirror else { return [] }
        var addresses: [String] = []
        let fm = FileManager.default
        for host in (try? fm.contentsOfDirectory(atPath: mirror.path)) ?? [] where host.contains(".") {
            let hostDir = mirror.appendingPathComponent(host)
            for namespace in (try? fm.contentsOfDirectory(atPath: hostDir.path)) ?? [] {
                for type in (try? fm.contentsOfDirectory(atPath: hostDir.appendingPathComponent(namespace).path)) ?? [] {
                    addresses.append("\(host)/\(namespace)/\(type)")
                }
            }
        }
        return addresses.sorted()
    }

    /// The CLI config (`TF_CLI_CONFIG_FILE`): mirrored providers from the mirror only, everything else direct.
    func cliConfig() -> String {
        let mirrored = mirroredProviders()
        guard let mirror, !mirrored.isEmpty else { return "" }
        let list = mirrored.map { "\"\($0)\"" }.joined(separator: ", ")
        return """
            provider_installation {
              filesystem_mirror {
                path    = "\(mirror.path)"
                include = [\(list)]
              }
              direct {
                exclude = [\(list)]
              }
            }

            """
    }
}

/// A copy of one architecture's Terraform, pointed at an emulator, and the terraform commands run in it.
struct TerraformWorkspace {
    let directory: URL
    let environment: [String: String]
    let settings: TerraformSettings

    /// Copies the architecture's files into `directory` and adds the provider override.
    static func prepare(
        from source: URL, into directory: URL, endpoint: URL, settings: TerraformSettings,
        baseEnvironment: [String: String]
    ) throws -> TerraformWorkspace {
        try Files.createDirectory(directory)
        for path in Files.regularFiles(under: source) {
            let target = try ArtifactStore.safeJoin(directory, path)
            try Files.createDirectory(target.deletingLastPathComponent())
            do { try FileManager.default.copyItem(at: source.appendingPathComponent(path), to: target) } catch {
                throw LSQMError(.environment, action: "copy \(path) into the terraform workspace", cause: LSQMError.describe(error))
            }
        }
        let sources = Files.regularFiles(under: directory).filter { $0.hasSuffix(".tf") }.sorted()
        func read(_ paths: [String]) -> [String] {
            paths.compactMap { try? String(contentsOf: directory.appendingPathComponent($0), encoding: .utf8) }
        }
        let plan = ProviderOverride.plan(
            rootSources: read(sources.filter { !$0.contains("/") }),
            moduleSources: read(sources.filter { $0.contains("/") }))
        for (name, content) in plan.files(endpoint: endpoint, region: settings.region) {
            try AtomicFile.write(content, to: directory.appendingPathComponent(name))
        }
        try Files.createDirectory(settings.pluginCache)
        let cliConfig = directory.appendingPathComponent(".lsqm.tfrc")
        try AtomicFile.write(settings.cliConfig(), to: cliConfig)
        var env = ChildEnvironment.base(baseEnvironment, region: settings.region)
        // Every service client of the provider built on aws-sdk-go-v2 reads this (see ProviderOverride).
        env["AWS_ENDPOINT_URL"] = endpoint.absoluteString
        env["TF_CLI_CONFIG_FILE"] = cliConfig.path
        env["TF_PLUGIN_CACHE_DIR"] = settings.pluginCache.path
        // Without this, every init (our workspaces have no lock file) re-installs the provider into the shared
        // cache, replacing the entry that parallel applies are running from ("Required plugins are not
        // installed"). With it, an init only links what the cache holds. The lock file is thrown away anyway.
        env["TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE"] = "1"
        // go-plugin puts each provider's unix socket under TMPDIR and leaves it behind when the provider is
        // killed (a timeout, Ctrl-C): keep them next to the workspace, which is removed with the validation.
        let temporary = directory.deletingLastPathComponent().appendingPathComponent("tmp", isDirectory: true)
        try Files.createDirectory(temporary)
        env["TMPDIR"] = temporary.path
        // The provider's debug log carries every AWS answer (status, operation, body) and retry: it is how a
        // missing API is noticed within seconds (ProviderLogWatch) and named in the verdict.
        env["TF_LOG_PROVIDER"] = "DEBUG"
        env["TF_LOG_PATH"] = directory.deletingLastPathComponent().appendingPathComponent(TerraformWorkspace.providerLogName).path
        env["TF_IN_AUTOMATION"] = "1"
        env["TF_INPUT"] = "0"
        env["CHECKPOINT_DISABLE"] = "1"
        return TerraformWorkspace(directory: directory, environment: env, settings: settings)
    }

    /// The provider debug log beside the workspace (terraform's `TF_LOG_PATH`).
    static let providerLogName = "terraform-provider.log"

    /// Where the AWS provider's debug log goes while `provider` (or terraform's own) serves this workspace.
    func providerLog(sharedProvider provider: SharedProvider?) -> URL {
        provider?.log
            ?? URL(
                fileURLWithPath: environment["TF_LOG_PATH"] ?? directory.deletingLastPathComponent().appendingPathComponent(Self.providerLogName).path
            )
    }

    /// Every `.tf` file of the workspace, for the classifier to tell literals the author wrote from
    /// identifiers the deploy created.
    func terraformText() -> String {
        Files.regularFiles(under: directory).filter { $0.hasSuffix(".tf") && !$0.hasPrefix(".terraform/") }.sorted()
            .compactMap { try? String(contentsOf: directory.appendingPathComponent($0), encoding: .utf8) }.joined(separator: "\n")
    }

    /// The same workspace with terraform attaching to `provider` instead of launching its own.
    func attached(to provider: SharedProvider) -> TerraformWorkspace {
        var env = environment
        env["TF_REATTACH_PROVIDERS"] = provider.reattachConfiguration
        return TerraformWorkspace(directory: directory, environment: env, settings: settings)
    }

    func run(_ arguments: [String], timeout: Duration) async throws -> Subprocess.Result {
        try await Subprocess.run(
            [settings.executable] + arguments + ["-no-color"], environment: environment,
            workingDirectory: directory, timeout: timeout)
    }

    func initialize(timeout: Duration) async throws -> Subprocess.Result { try await run(["init", "-input=false"], timeout: timeout) }
    func apply(timeout: Duration) async throws -> Subprocess.Result { try await run(["apply", "-auto-approve", "-input=false"], timeout: timeout) }
    /// `-lock=false`: a timed-out apply may have left a lock behind, and the state is ours alone.
    /// `-refresh=false`: the state was just written by apply against an emulator nobody else touches, so
    /// reading every resource back first only costs provider calls.
    func destroy(timeout: Duration) async throws -> Subprocess.Result {
        try await run(["destroy", "-auto-approve", "-input=false", "-lock=false", "-refresh=false"], timeout: timeout)
    }

    /// `terraform output -json` with the values unwrapped: `{name: value}`.
    func outputs(timeout: Duration) async throws -> (result: Subprocess.Result, values: [String: JSONValue]) {
        let result = try await Subprocess.run(
            [settings.executable, "output", "-json"], environment: environment,
            workingDirectory: directory, timeout: timeout)
        guard result.succeeded else { return (result, [:]) }
        let parsed = try? JSONCoding.decode([String: JSONValue].self, from: Data(result.stdout.utf8))
        return (result, (parsed ?? [:]).compactMapValues { $0["value"] })
    }

    /// The provider or module that `terraform init` could not install, if that is why it failed: an
    /// environment problem (ERROR), not a verdict on the architecture.
    static func missingDependency(inInitOutput output: String) -> String? {
        // Terraform writes one "Error:" block per missing provider or module: read each on its own, so every
        // missing one is named and a reason stays with the block it came from.
        let parts = output.components(separatedBy: "Error:")
        // Text without an "Error:" heading is read whole.
        let blocks = parts.count > 1 ? Array(parts.dropFirst()) : parts
        var named: [String] = []
        for block in blocks {
            if let found = missingDependency(inErrorBlock: block), !named.contains(found) { named.append(found) }
        }
        return named.isEmpty ? nil : named.joined(separator: "; ")
    }

    private static func missingDependency(inErrorBlock block: String) -> String? {
        let text = block.replacingOccurrences(of: "\n", with: " ")
        let patterns: [(String, String)] = [
            (#"versions for provider\s+([A-Za-z0-9._\-/]+?):"#, "provider"),
            (#"Failed to install provider.*?provider\s+([A-Za-z0-9._\-/]+)"#, "provider"),
            (#"available versions for module\s+"([^"]+)""#, "module"),
            (#"Failed to download module.*?module\s+"([^"]+)""#, "module"),
            (#"Module not installed.*?module\s+"?([A-Za-z0-9_\-]+)"#, "module"),
            (#"Unreadable module directory.*?Unable to evaluate directory symlink: lstat\s+(\S+?):"#, "local module"),
            (#"Unreadable module directory.*?(\S+) does not exist"#, "local module"),
        ]
        for (pattern, label) in patterns {
            guard let regex = try? NSRegularExpression(pattern: pattern),
                let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
                let range = Range(match.range(at: 1), in: text)
            else { continue }
            var found = "\(label) \(text[range])"
            // Say why when terraform does: a version constraint the mirror cannot meet reads very differently
            // from a provider that is not there at all.
            if let reason = text.range(of: #"no available releases match the given constraints [^\n]*?(?=  |$)"#, options: .regularExpression) {
                found += " (\(text[reason].trimmingCharacters(in: .whitespaces)))"
            }
            return found
        }
        return nil
    }
}

/// The provider configuration that points the AWS provider at the emulator, with dummy credentials and
/// no calls to real AWS.
///
/// The endpoint itself normally travels in `AWS_ENDPOINT_URL` (set on every terraform command), not in an
/// `endpoints` block as tflocal's `localstack_providers_override.tf` writes it: every service client of
/// provider 5.100 but SimpleDB is built on aws-sdk-go-v2, which honours the variable, and the provider
/// spends ~3 s of CPU validating a ~280-attribute `endpoints` block each time terraform asks for it (twice
/// per plan, more per apply and destroy). Measured on a 2-resource architecture: apply + destroy took
/// 24.7 s of CPU with the block, 9.3 s without. The block is still written when the architecture sets
/// endpoints of its own (an explicit endpoint beats the variable, so it must be replaced) or uses a
/// service whose client ignores the variable.
struct ProviderOverride {
    /// Aliases of `provider "aws"` blocks in the root module.
    var aliases: [String]
    /// Whether the root module has an unaliased `provider "aws"` block to override.
    var hasDefaultBlock: Bool
    /// Whether the root module configures a backend (it is replaced by the local one).
    var hasBackend: Bool
    /// Whether the override must list every endpoint (see the type's comment).
    var needsEndpointsBlock: Bool

    /// Resource and data source prefixes of services whose client (aws-sdk-go v1 in provider 5.100) does
    /// not read `AWS_ENDPOINT_URL`.
    static let servicesIgnoringEndpointVariable = ["aws_simpledb_"]

    /// - Parameters:
    ///   - rootSources: the root module's `.tf` files, whose provider blocks are overridden.
    ///   - moduleSources: the `.tf` files of local modules, which are read only for the services they use.
    static func plan(rootSources: [String], moduleSources: [String] = []) -> ProviderOverride {
        var aliases: [String] = []
        var hasDefault = false
        var hasBackend = false
        var hasOwnEndpoints = false
        for source in rootSources {
            for block in awsProviderBlocks(in: source) {
                if let range = block.range(of: #"alias\s*=\s*"[^"]+""#, options: .regularExpression) {
                    let alias = block[range].split(separator: "\"")[1]
                    aliases.append(String(alias))
                } else {
                    hasDefault = true
                }
                if block.range(of: #"\bendpoints\s*\{"#, options: .regularExpression) != nil { hasOwnEndpoints = true }
            }
            if !blocks(in: source, opening: #"backend\s+"[^"]+"\s*\{"#).isEmpty { hasBackend = true }
        }
        let usesUnreachedService = (rootSources + moduleSources).contains { source in
            servicesIgnoringEndpointVariable.contains { source.contains("\"\($0)") }
        }
        return ProviderOverride(
            aliases: Array(Set(aliases)).sorted(), hasDefaultBlock: hasDefault, hasBackend: hasBackend,
            needsEndpointsBlock: hasOwnEndpoints || usesUnreachedService)
    }

    /// The file that amends the architecture's own blocks (terraform's `_override.tf` merge).
    static let overrideFileName = "lsqm_providers_override.tf"

    /// The texts of every `provider "aws"` block, aliased or not.
    static func awsProviderBlocks(in source: String) -> [Substring] {
        blocks(in: source, opening: #"provider\s+"aws"\s*\{"#)
    }

    /// The texts of every block whose header matches `opening`, found by brace counting (strings with
    /// braces inside a provider block are rare enough not to matter).
    static func blocks(in source: String, opening: String) -> [Substring] {
        var result: [Substring] = []
        var searchStart = source.startIndex
        while let header = source.range(of: opening, options: .regularExpression, range: searchStart..<source.endIndex) {
            var depth = 1
            var index = header.upperBound
            while index < source.endIndex, depth > 0 {
                if source[index] == "{" { depth += 1 } else if source[index] == "}" { depth -= 1 }
                index = source.index(after: index)
            }
            result.append(source[header.lowerBound..<index])
            searchStart = index
        }
        return result
    }

    /// The files to add: an override file for blocks that exist, a plain file for a default provider the
    /// architecture leaves implicit (an override file may only change blocks that exist).
    func files(endpoint: URL, region: String) -> [(name: String, content: String)] {
        let endpoint = needsEndpointsBlock ? endpoint : nil
        var overrides = aliases.map { ProviderOverride.block(alias: $0, region: nil, endpoint: endpoint) }
        var plain: [String] = []
        let defaultBlock = ProviderOverride.block(alias: nil, region: region, endpoint: endpoint)
        if hasDefaultBlock { overrides.append(defaultBlock) } else { plain.append(defaultBlock) }
        if hasBackend { overrides.append("terraform {\n  backend \"local\" {}\n}\n") }
        var files: [(String, String)] = []
        let header =
            needsEndpointsBlock
            ? "# Written by lsqm: every AWS endpoint points at the emulator under test.\n\n"
            : "# Written by lsqm: dummy credentials; AWS_ENDPOINT_URL points every service at the emulator under test.\n\n"
        if !overrides.isEmpty { files.append((ProviderOverride.overrideFileName, header + overrides.joined(separator: "\n"))) }
        if !plain.isEmpty { files.append(("lsqm_providers.tf", header + plain.joined(separator: "\n"))) }
        return files
    }

    /// A provider block; with `endpoint`, an `endpoints` block naming it for every service.
    static func block(alias: String?, region: String?, endpoint: URL?) -> String {
        var lines = ["provider \"aws\" {"]
        if let alias { lines.append("  alias = \"\(alias)\"") }
        if let region { lines.append("  region = \"\(region)\"") }
        lines += [
            // An empty profile unsets one the architecture names ("default", "prod"): with no shared AWS
            // config on the machine the provider would otherwise fail before any request.
            "  profile = \"\"",
            "  access_key = \"test\"",
            "  secret_key = \"test\"",
            "  skip_credentials_validation = true",
            "  skip_requesting_account_id = true",
            "  skip_metadata_api_check = true",
            "  s3_use_path_style = true",
        ]
        if let endpoint {
            lines.append("  endpoints {")
            lines += AWSEndpointNames.all.map { "    \($0) = \"\(endpoint.absoluteString)\"" }
            lines.append("  }")
        }
        lines += ["}", ""]
        return lines.joined(separator: "\n")
    }
}

/// The environment of every child a validation starts (terraform, pytest): lsqm's environment without
/// secrets, without the host's AWS and Terraform settings, plus dummy credentials and a region.
enum ChildEnvironment {
    static let dummyCredentials = ["AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"]

    static func base(_ environment: [String: String], region: String) -> [String: String] {
        var env = SecretEnvironment.scrubbed(environment).filter { name, _ in
            // The host's AWS profile, keys and endpoints must not steer a validation; its CA bundle may stay.
            if name.hasPrefix("AWS_") { return name == "AWS_CA_BUNDLE" }
            return !name.hasPrefix("TF_") && !name.hasPrefix("LSQM_")
        }
        env.merge(dummyCredentials) { _, new in new }
        env["AWS_REGION"] = region
        env["AWS_DEFAULT_REGION"] = region
        return env
    }

    /// What a test app gets (Examples/apps/README.md): the base environment, the emulator endpoint, and
    /// the terraform outputs as a JSON file (`LSQM_TF_OUTPUTS`) and as `TF_OUTPUT_<NAME>` variables.
    static func forTests(
        _ environment: [String: String], region: String, endpoint: URL, outputs: [String: JSONValue],
        outputsFile: URL
    ) -> [String: String] {
        var env = base(environment, region: region)
        env["AWS_ENDPOINT_URL"] = endpoint.absoluteString
        env["LSQM_TF_OUTPUTS"] = outputsFile.path
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        for (name, value) in outputs {
            let variable = "TF_OUTPUT_" + name.uppercased().map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
            env[variable] = value.stringValue ?? (try? JSONCoding.string(value)) ?? ""
        }
        return env
    }
}
