import Foundation
import LSQMBasics

/// What an architecture is and uses, read from its files.
public struct ArchitectureInspection: Sendable, Equatable {
    public var kind: ArchitectureKind
    /// AWS service ids (see `AWSServices`), sorted.
    public var services: [String]
    /// Resources the templates declare, not expanded (`count`, `for_each`, SAM's generated resources):
    /// Terraform managed `aws_*`/`awscc_*` resources; CloudFormation/SAM distinct logical ids over all
    /// templates (a template's `.yaml` and `.json` variants count once); Serverless functions, state machines
    /// and `resources.Resources` entries.
    public var resourceCount: Int
    /// Distinct resource types, sorted.
    public var resourceTypes: [String]
    /// What could not be read or counted; the architecture is still usable.
    public var problems: [String]
    /// Terraform only: every resource block and how many instances it makes (`TerraformCounts`). Normalized
    /// kinds get theirs from the Terraform the normalizer writes (`terraformResources(files:)`).
    public var terraformResources: [TerraformCounts.Instances] = []
}

/// Reads an architecture's kind, services and resource count from its files.
///
/// Terraform metadata comes from `HCLReader`: managed resources count; data sources do not (they create
/// nothing) but their services do, except data sources that only read account facts or compute locally
/// (`aws_caller_identity`, `aws_iam_policy_document`); modules whose code is not in the architecture
/// (registry modules, local ones outside the folder) contribute services guessed from their address and name,
/// reported in `problems`. CloudFormation and SAM come from `Resources.*.Type` (SAM function and state-machine
/// event sources add their services); Serverless from provider, functions, their events and `resources`,
/// following `${file(…)}` references to files of the architecture.
public enum ArchitectureInspector {
    /// Throws `LSQMError(.invalidInput)` when the files hold no readable template of any kind.
    public static func inspect(files: [(path: String, content: Data)]) throws -> ArchitectureInspection {
        let documents = Documents(files: files)
        guard let kind = documents.kind else {
            throw LSQMError(
                .invalidInput, action: "inspect architecture",
                cause: documents.brokenReason ?? "it holds no Terraform, CloudFormation, SAM or Serverless template")
        }
        var tally = Tally()
        switch kind {
        case .terraform: try inspectTerraform(files, into: &tally)
        case .cloudformation, .sam: try inspectCloudFormation(documents, into: &tally)
        case .serverless: try inspectServerless(documents, into: &tally)
        }
        var inspection = ArchitectureInspection(
            kind: kind, services: tally.services.sorted(), resourceCount: tally.resourceCount,
            resourceTypes: tally.resourceTypes.sorted(), problems: documents.problems + tally.problems)
        if kind == .terraform { inspection.terraformResources = terraformResources(files: files) }
        return inspection
    }

    /// The resource blocks of an architecture's Terraform and their instance counts, evaluated statically.
    public static func terraformResources(files: [(path: String, content: Data)]) -> [TerraformCounts.Instances] {
        TerraformCounts.evaluate(files: files.compactMap { file in String(data: file.content, encoding: .utf8).map { (file.path, $0) } })
    }

    struct Tally {
        var services: Set<String> = []
        var resourceTypes: Set<String> = []
        var resourceCount = 0
        var problems: [String] = []

        mutating func addCloudFormation(_ type: String) {
            resourceTypes.insert(type)
            services.formUnion(AWSServices.cloudFormationServices(type))
        }
    }

    /// The architecture's YAML/JSON documents, each parsed once, and the kind its markers give.
    struct Documents {
        var parsed: [String: JSONValue] = [:]
        /// Every file's bytes, for `${file(…)}` targets that were not parsed as templates.
        let contents: [String: Data]
        var templates: [(path: String, kind: ArchitectureKind, document: JSONValue)] = []
        var kind: ArchitectureKind?
        var brokenReason: String?
        var problems: [String] = []

        init(files: [(path: String, content: Data)]) {
            contents = Dictionary(files.map { ($0.path, $0.content) }, uniquingKeysWith: { first, _ in first })
            var rootKinds: Set<ArchitectureKind> = [], anyKinds: Set<ArchitectureKind> = []
            for file in files.sorted(by: { $0.path < $1.path }) {
                guard let fileKind = classify(file) else { continue }
                anyKinds.insert(fileKind)
                if !file.path.contains("/") { rootKinds.insert(fileKind) }
            }
            // The folder's own templates decide, as in the scanner; nested ones only when it has none.
            let candidates = rootKinds.isEmpty ? anyKinds : rootKinds
            kind = candidates.min { $0.precedence < $1.precedence }
        }

        mutating func classify(_ file: (path: String, content: Data)) -> ArchitectureKind? {
            let name = (file.path as NSString).lastPathComponent
            if TerraformConfiguration.isTerraformFile(name) { return .terraform }
            let lower = name.lowercased()
            let isServerless = TemplateClassifier.serverlessNames.contains(lower)
            guard isServerless || TemplateClassifier.templateExtensions.contains((lower as NSString).pathExtension) else { return nil }
            guard
                isServerless || TemplateClassifier.contains(file.content, "Resources")
                    || TemplateClassifier.contains(file.content, "AWSTemplateFormatVersion")
            else {
                return nil
            }
            let document: JSONValue
            do {
                document = try TemplateClassifier.load(file.content, json: lower.hasSuffix(".json"))
            } catch {
                guard isServerless || TemplateClassifier.isConventionalTemplateName(name) else { return nil }
                // Named like a template but unreadable: it still counts as a marker (as in the scanner), so
                // the architecture fails with this reason rather than passing for some other kind.
                let reason = "\(file.path): \(LSQMError.describe(error))"
                problems.append(reason)
                brokenReason = brokenReason ?? reason
                if isServerless { return .serverless }
                return TemplateClassifier.contains(file.content, "AWS::Serverless") ? .sam : .cloudformation
            }
            parsed[file.path] = document
            if isServerless {
                let provider = document["provider"]
                guard (provider?.stringValue ?? provider?["name"]?.stringValue)?.lowercased() == "aws" else { return nil }
                templates.append((file.path, .serverless, document))
                return .serverless
            }
            guard let kind = TemplateClassifier.cloudFormationKind(document) else { return nil }
            templates.append((file.path, kind, document))
            return kind
        }
    }

    // MARK: Terraform

    static func inspectTerraform(_ files: [(path: String, content: Data)], into tally: inout Tally) throws {
        let terraformFiles = files.filter { TerraformConfiguration.isTerraformFile($0.path) }
        let configuration = TerraformConfiguration.read(files: terraformFiles)
        tally.problems += configuration.problems
        if configuration.problems.count == terraformFiles.count, !terraformFiles.isEmpty {
            throw LSQMError(.invalidInput, action: "read Terraform", cause: configuration.problems.first ?? "no file could be read")
        }
        for resource in configuration.resources {
            guard let service = AWSServices.terraformService(resource.type) else { continue }
            tally.resourceCount += 1
            tally.resourceTypes.insert(resource.type)
            tally.services.insert(service)
        }
        for data in configuration.dataSources where !AWSServices.isAmbientDataSource(data.type) {
            if let service = AWSServices.terraformService(data.type) { tally.services.insert(service) }
        }
        let folders = Set(terraformFiles.map { ($0.path as NSString).deletingLastPathComponent })
        for module in configuration.modules {
            if module.isLocal, let source = module.source,
                let folder = resolve(source, from: (module.file as NSString).deletingLastPathComponent), folders.contains(folder)
            {
                continue  // Its files are part of the architecture and were read above.
            }
            let guessed = AWSServices.moduleServices(source: module.source, name: module.name)
            tally.services.formUnion(guessed)
            let origin = module.isLocal ? "outside the architecture" : "not read (registry or remote)"
            tally.problems.append(
                "module \"\(module.name)\" (\(module.source ?? "no source")) is \(origin); its resources are not counted"
                    + (guessed.isEmpty ? "" : ", services guessed from its name: \(guessed.joined(separator: ", "))"))
        }
    }

    /// `folder` + a relative path, normalized; nil when it leaves the architecture.
    static func resolve(_ relative: String, from folder: String) -> String? {
        var parts = folder.split(separator: "/").map(String.init)
        for part in relative.split(separator: "/") where part != "." {
            if part == ".." {
                guard parts.popLast() != nil else { return nil }
            } else {
                parts.append(String(part))
            }
        }
        return parts.joined(separator: "/")
    }

    // MARK: CloudFormation and SAM

    static func inspectCloudFormation(_ documents: Documents, into tally: inout Tally) throws {
        guard documents.templates.contains(where: { $0.kind == .cloudformation || $0.kind == .sam }) else {
            throw LSQMError(.invalidInput, action: "inspect CloudFormation template", cause: documents.brokenReason ?? "no template could be read")
        }
        var logicalIDs: Set<String> = []
        for template in documents.templates where template.kind == .cloudformation || template.kind == .sam {
            let resources = template.document["Resources"]?.objectValue ?? [:]
            for (id, type) in TemplateClassifier.resourceTypes(template.document) {
                logicalIDs.insert(id)
                tally.addCloudFormation(type)
                addSAMEvents(resources[id]?["Properties"]?["Events"], into: &tally)
            }
        }
        tally.resourceCount = logicalIDs.count
    }

    /// `Events: {Name: {Type: SQS, Properties: …}}` of a SAM function or state machine.
    static func addSAMEvents(_ events: JSONValue?, into tally: inout Tally) {
        for event in (events?.objectValue ?? [:]).values {
            if let type = event["Type"]?.stringValue, let service = AWSServices.samEventService(type) { tally.services.insert(service) }
        }
    }

    // MARK: Serverless Framework

    static func inspectServerless(_ documents: Documents, into tally: inout Tally) throws {
        guard let service = documents.templates.first(where: { $0.kind == .serverless }) else {
            throw LSQMError(
                .invalidInput, action: "inspect Serverless service", cause: documents.brokenReason ?? "no serverless.yml with provider aws")
        }
        let folder = (service.path as NSString).deletingLastPathComponent
        let resolver = FileReferences(documents: documents, folder: folder)
        // `functions` is a map, a `${file(…)}` reference to one, or a list of either (merged).
        var functions: [String: JSONValue] = [:]
        let functionSections = service.document["functions"].map { $0.arrayValue ?? [$0] } ?? []
        for section in functionSections {
            let resolved = resolver.value(section, problems: &tally.problems)?.objectValue ?? [:]
            functions.merge(resolved) { _, last in last }
        }
        if !functions.isEmpty { tally.services.formUnion(["lambda", "iam", "logs"]) }
        tally.resourceCount += functions.count
        for function in functions.values {
            for event in function["events"]?.arrayValue ?? [] {
                for (key, value) in event.objectValue ?? [:] {
                    let description = (try? JSONCoding.string(value)) ?? ""
                    if let name = AWSServices.serverlessEventService(key, describedBy: description) { tally.services.insert(name) }
                }
            }
        }
        // The serverless-step-functions plugin.
        let machines = service.document["stepFunctions"]?["stateMachines"]?.objectValue ?? [:]
        if !machines.isEmpty { tally.services.formUnion(["stepfunctions", "iam"]) }
        tally.resourceCount += machines.count
        // `resources` is an object with `Resources`, or a list of such objects and `${file(…)}` references.
        let sections = service.document["resources"].map { $0.arrayValue ?? [$0] } ?? []
        var logicalIDs: Set<String> = []
        for section in sections {
            guard let value = resolver.value(section, problems: &tally.problems) else { continue }
            let resources = value["Resources"]?.objectValue ?? value.objectValue?.filter { $0.value["Type"] != nil } ?? [:]
            for (id, body) in resources {
                guard let type = body["Type"]?.stringValue else { continue }
                logicalIDs.insert(id)
                tally.addCloudFormation(type)
            }
        }
        tally.resourceCount += logicalIDs.count
    }

    /// Follows Serverless `${file(path)}` and `${file(path):key}` references to files of the architecture.
    struct FileReferences {
        let documents: Documents
        let folder: String

        func value(_ value: JSONValue?, problems: inout [String]) -> JSONValue? {
            guard let string = value?.stringValue else { return value }
            guard string.hasPrefix("${file("), let close = string.firstIndex(of: ")") else { return value }
            let path = String(string[string.index(string.startIndex, offsetBy: 7)..<close]).trimmingCharacters(in: .whitespaces)
            let rest = string[string.index(after: close)...]
            let key = rest.hasPrefix(":") ? String(rest.dropFirst().prefix { $0 != "}" }).trimmingCharacters(in: .whitespaces) : nil
            guard let resolved = ArchitectureInspector.resolve(path, from: folder), let document = documents.parsed[resolved] ?? parseAnyway(resolved)
            else {
                problems.append("\(string) refers to a file that is not in the architecture")
                return nil
            }
            guard let key, !key.isEmpty else { return document }
            return document[key]
        }

        /// Files the document pass skipped (no `Resources` word), e.g. a functions list.
        func parseAnyway(_ path: String) -> JSONValue? {
            guard let data = documents.contents[path] else { return nil }
            return try? TemplateYAML.load(data)
        }
    }
}
