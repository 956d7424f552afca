import Foundation
import LSQMBasics
import LSQMPluginKit
import LSQMSourceSupport
import LSQMTemplates

/// Architectures from the Terraform Registry: AWS modules found by `/v1/modules/search` for each topic and by
/// the `/v1/modules?provider=aws` listing, each downloaded through `X-Terraform-Get`, with every
/// `examples/<name>/` of the module as one architecture (the module itself travels along, see `ModuleExamples`).
///
/// Modules are deduplicated by registry id (`namespace/name/provider`) across topics and listings. A module
/// version whose examples are all known is not downloaded again: the example URLs each version produced are
/// remembered in the plugin's cache folder.
///
/// Config: `topics` (default VPC, Lambda, S3, DynamoDB, SQS, SNS, API Gateway, Step Functions),
/// `modules_per_topic` (20), `listing_pages` (1), `page_size` (20), and `terraform_registry_url` /
/// `github_api_url` (filled in by the host).
public final class TerraformRegistrySource: SourcePlugin {
    public static let name = "TerraformRegistrySource"
    public static let version = "1.0.0"
    public static let description = "Examples of AWS modules in the Terraform Registry"

    struct Module: Decodable, Sendable {
        var id: String
        var namespace: String
        var name: String
        var provider: String
        var version: String
        var source: String?
        var registryID: String { "\(namespace)/\(name)/\(provider)" }
    }

    struct ModuleList: Decodable {
        struct Meta: Decodable {
            var nextOffset: Int?
            enum CodingKeys: String, CodingKey { case nextOffset = "next_offset" }
        }
        var meta: Meta?
        var modules: [Module]
    }

    private let host: PluginHost
    private let settings: SourceSettings
    private let topics: [String]
    private let modulesPerTopic: Int
    private let listingPages: Int
    private let pageSize: Int
    private let pager = CandidatePager<Module>()
    private let memoURL: URL

    public required init(host: PluginHost, config: JSONValue) throws {
        self.host = host
        self.settings = SourceSettings(config: config, host: host)
        topics = settings.strings("topics", default: ["vpc", "lambda", "s3", "dynamodb", "sqs", "sns", "api gateway", "step functions"])
        modulesPerTopic = settings.int("modules_per_topic", default: 20)
        listingPages = settings.int("listing_pages", default: 1)
        pageSize = max(settings.int("page_size", default: 20), 1)
        memoURL = host.cacheDirectory.appendingPathComponent("module-examples.json")
    }

    public func discover(_ request: DiscoverRequest) throws -> DiscoverResponse {
        try pager.page(request, host: host, list: listModules, sourceURL: moduleURL) { module, request in
            try examples(of: module, known: Set(request.knownSourceURLs))
        }
    }

    private func moduleURL(_ module: Module) -> String {
        "\(settings.terraformRegistry)/modules/\(module.registryID)/\(module.version)"
    }

    // MARK: Listing

    private func listModules() throws -> (candidates: [Module], warnings: [String]) {
        var seen = Set<String>()
        var modules: [Module] = []
        var warnings: [String] = []
        var answered = false
        func add(_ found: [Module]) {
            for module in found where module.provider == "aws" && seen.insert(module.registryID).inserted { modules.append(module) }
        }
        for topic in topics {
            let query = topic.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? topic
            do {
                add(try pages("\(settings.terraformRegistry)/v1/modules/search?q=\(query)&provider=aws", maxModules: modulesPerTopic))
                answered = true
            } catch let stop as DryRunReached { throw stop } catch { warnings.append("search \(topic): \(LSQMError.describe(error))") }
        }
        if listingPages > 0 {
            do {
                add(try pages("\(settings.terraformRegistry)/v1/modules?provider=aws", maxModules: listingPages * pageSize))
                answered = true
            } catch let stop as DryRunReached { throw stop } catch { warnings.append("module listing: \(LSQMError.describe(error))") }
        }
        if !answered, let first = warnings.first { throw PluginError("failed to list registry modules: \(first)", retryable: true) }
        host.log(.info, "\(modules.count) AWS modules from \(topics.count) topic searches and the listing")
        return (modules, warnings)
    }

    /// Registry pagination: `offset`/`limit`, following `meta.next_offset` until it is absent.
    private func pages(_ base: String, maxModules: Int) throws -> [Module] {
        var result: [Module] = []
        var offset: Int? = 0
        while let current = offset, result.count < maxModules {
            if host.isCancelled { throw PluginCancelled() }
            let list = try SourceHTTP.json(ModuleList.self, host, url: "\(base)&limit=\(pageSize)&offset=\(current)")
            result += list.modules
            offset = list.modules.isEmpty ? nil : list.meta?.nextOffset
        }
        return Array(result.prefix(maxModules))
    }

    // MARK: Examples

    private func examples(of module: Module, known: Set<String>) throws -> CandidateOutcome {
        let memoKey = "\(module.registryID)@\(module.version)"
        var memo = loadMemo()
        if let remembered = memo[memoKey], remembered.allSatisfy(known.contains) { return .known(remembered.count) }
        let downloadURL = "\(settings.terraformRegistry)/v1/modules/\(module.registryID)/\(module.version)/download"
        let answer = try SourceHTTP.get(host, HTTPRequest(url: downloadURL, cache: false))
        guard let location = answer.headers["x-terraform-get"], let endpoint = URL(string: downloadURL) else {
            throw PluginError("failed to find the source of \(module.id): \(downloadURL) answered without X-Terraform-Get")
        }
        guard let archiveURL = TerraformGetLocation.resolve(location, downloadURL: endpoint, githubAPI: settings.githubAPI) else {
            return .skipped(
                SkippedItem(
                    sourceURL: moduleURL(module),
                    reason: "its X-Terraform-Get '\(location)' is not a form lsqm can fetch (http(s) archive or git::https://github.com)"))
        }
        let archive = try SourceHTTP.get(host, HTTPRequest(url: archiveURL.absoluteString))
        let (examples, refused) = try ModuleExamples.read(archive: archive.data)
        var skipped = refused.map {
            SkippedItem(sourceURL: "\(moduleURL(module))/\($0.path)", reason: "refused from the module archive: \($0.reason)")
        }
        var architectures: [DiscoveredItem] = []
        var alreadyKnown = 0
        for example in examples {
            let url = "\(moduleURL(module))/examples/\(example.name)"
            if known.contains(url) {
                alreadyKnown += 1
                continue
            }
            let ownFiles = example.files.filter { !$0.path.hasPrefix(ModuleExamples.moduleFolder + "/") }
            if let reason = TerraformStandalone.problem(ownFiles) {
                skipped.append(SkippedItem(sourceURL: url, reason: reason))
                continue
            }
            architectures.append(
                DiscoveredItem(
                    sourceURL: url, name: "\(module.registryID) \(example.name)", kind: "terraform",
                    files: example.files.map { PluginFile(path: $0.path, data: $0.content) },
                    metadata: [
                        "registry_id": .string(module.registryID), "version": .string(module.version),
                        "example": .string(example.name), "module_source": .string(location),
                        "module_sources_rewritten": .number(Double(example.rewrittenSources)), "source": .string(Self.name),
                    ]))
        }
        memo[memoKey] = examples.map { "\(moduleURL(module))/examples/\($0.name)" }
        try? AtomicFile.writeJSON(memo, to: memoURL)
        return .several(architectures: architectures, skipped: skipped, alreadyKnown: alreadyKnown)
    }

    private func loadMemo() -> [String: [String]] {
        (try? Data(contentsOf: memoURL)).flatMap { try? JSONCoding.decode([String: [String]].self, from: $0) } ?? [:]
    }
}

@_cdecl("lsqm_plugin_entry")
public func lsqm_plugin_entry() -> UnsafeRawPointer { PluginExport.source(TerraformRegistrySource.self) }
