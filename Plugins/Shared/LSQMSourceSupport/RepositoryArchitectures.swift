import Foundation
import LSQMBasics
import LSQMPluginKit
import LSQMTemplates

/// A folder of a repository that may hold an architecture, chosen from the tree by file names alone (before
/// anything is downloaded), with the files that would make it up.
public struct ArchitectureCandidate: Sendable {
    public var repository: String
    public var commit: String
    public var folder: String
    public var files: [GitHubAPI.TreeFile]
    public var sourceURL: String
    public var license: String?

    public init(repository: String, commit: String, folder: String, files: [GitHubAPI.TreeFile], sourceURL: String, license: String?) {
        self.repository = repository; self.commit = commit; self.folder = folder; self.files = files
        self.sourceURL = sourceURL; self.license = license
    }
}

/// Picks architecture folders from a repository tree and turns a candidate into an architecture.
///
/// By name: a folder is a candidate when it directly holds a `*.tf` file, a `serverless.yml`/`.yaml`, or a
/// YAML/JSON/`.template` file that is not a well-known non-template (package.json, cdk.json, CI files).
/// A Terraform folder also owns its `modules/**` (local modules it calls); every other nested candidate stands
/// alone. By content, after download: Terraform, a Serverless service whose provider is AWS, or a
/// CloudFormation/SAM template — anything else is dropped without a report (a YAML that is just data).
public enum RepositoryArchitectures {
    static let templateExtensions = [".yaml", ".yml", ".json", ".template"]
    static let notTemplates: Set<String> = [
        "package.json", "package-lock.json", "tsconfig.json", "cdk.json", "cdk.context.json", "tslint.json", ".eslintrc.json",
        "composer.json", "example-pattern.json", "docker-compose.yml", "docker-compose.yaml", "buildspec.yml", "buildspec.yaml",
        "mkdocs.yml", ".pre-commit-config.yaml", ".travis.yml", "appveyor.yml", "codecov.yml", "renovate.json", "events.json",
        "event.json", "requirements.json", ".markdownlint.json", ".prettierrc.json", "launch.json", "settings.json", "swagger.json",
        "openapi.yaml", "openapi.yml", "openapi.json", "serverless.env.yml", "env.yml", "config.json", "secrets.json",
    ]
    static let ignoredFolders: Set<String> = [
        ".github", ".git", "node_modules", ".terraform", "cdk.out", ".serverless", "__pycache__", "test", "tests",
    ]
    /// Files kept with an architecture: templates and the Terraform files around them.
    static let keptExtensions = [".tf", ".tfvars", ".yaml", ".yml", ".json", ".template", ".tpl"]

    public static func candidates(
        repository: String, commit: String, files: [GitHubAPI.TreeFile], license: String?,
        folderURL: (String) -> String, maxFileBytes: Int = 10 << 20
    ) -> [ArchitectureCandidate] {
        var byFolder: [String: [GitHubAPI.TreeFile]] = [:]
        for file in files {
            let parts = file.path.split(separator: "/").map(String.init)
            if parts.dropLast().contains(where: { ignoredFolders.contains($0) || $0.hasPrefix(".") }) { continue }
            byFolder[parts.dropLast().joined(separator: "/"), default: []].append(file)
        }
        let marked = byFolder.filter { _, files in files.contains { isMarker(name($0.path)) } }
        let terraformFolders = Set(marked.filter { $0.value.contains { $0.path.hasSuffix(".tf") } }.keys)
        var result: [ArchitectureCandidate] = []
        for (folder, folderFiles) in marked.sorted(by: { $0.key < $1.key }) {
            // A local module of a Terraform configuration is part of it, not an architecture of its own.
            if let owner = terraformOwner(of: folder, in: terraformFolders), owner != folder { continue }
            var kept = folderFiles.filter { keep($0, maxFileBytes: maxFileBytes) }
            if terraformFolders.contains(folder) {
                let modulesPrefix = (folder.isEmpty ? "" : folder + "/") + "modules/"
                kept += files.filter { $0.path.hasPrefix(modulesPrefix) && $0.path.hasSuffix(".tf") && $0.size <= maxFileBytes }
            }
            guard !kept.isEmpty else { continue }
            result.append(
                ArchitectureCandidate(
                    repository: repository, commit: commit, folder: folder, files: kept,
                    sourceURL: folderURL(folder), license: license))
        }
        return result
    }

    /// The Terraform folder whose `modules/` tree holds `folder`, if any.
    static func terraformOwner(of folder: String, in terraformFolders: Set<String>) -> String? {
        let parts = folder.split(separator: "/").map(String.init)
        for (index, part) in parts.enumerated() where part == "modules" {
            let owner = parts[..<index].joined(separator: "/")
            if terraformFolders.contains(owner) { return owner }
        }
        return nil
    }

    static func name(_ path: String) -> String { String(path.split(separator: "/").last ?? "") }

    static func isMarker(_ name: String) -> Bool {
        let lower = name.lowercased()
        if lower.hasSuffix(".tf") || lower == "serverless.yml" || lower == "serverless.yaml" { return true }
        return templateExtensions.contains { lower.hasSuffix($0) } && !notTemplates.contains(lower)
    }

    static func keep(_ file: GitHubAPI.TreeFile, maxFileBytes: Int) -> Bool {
        let lower = name(file.path).lowercased()
        return file.size <= maxFileBytes && keptExtensions.contains { lower.hasSuffix($0) } && !notTemplates.contains(lower)
    }

    /// Downloads a candidate's files and decides by content whether it is an architecture.
    public static func materialize(
        _ candidate: ArchitectureCandidate, api: GitHubAPI, source: String,
        accept: (String?) -> Bool = { _ in true }
    ) throws -> CandidateOutcome {
        var files: [PluginFile] = []
        var contents: [(path: String, content: Data)] = []
        let prefix = candidate.folder.isEmpty ? "" : candidate.folder + "/"
        for file in candidate.files {
            if api.host.isCancelled { throw PluginCancelled() }
            let data = try api.content(candidate.repository, commit: candidate.commit, file: file)
            let relative = String(file.path.dropFirst(prefix.count))
            files.append(PluginFile(path: relative, data: data))
            contents.append((relative, data))
        }
        let kind = TemplateSniffer.kind(contents)
        guard let kind, accept(kind) else { return .none }
        if kind == "terraform", let reason = TerraformStandalone.problem(contents) {
            return .skipped(SkippedItem(sourceURL: candidate.sourceURL, reason: reason))
        }
        var metadata: [String: JSONValue] = [
            "repo": .string(candidate.repository), "commit": .string(candidate.commit), "path": .string(candidate.folder),
            "source": .string(source),
        ]
        if let license = candidate.license { metadata["license"] = .string(license) }
        let name = candidate.folder.isEmpty ? candidate.repository : "\(candidate.repository)/\(candidate.folder)"
        return .architecture(DiscoveredItem(sourceURL: candidate.sourceURL, name: name, kind: kind, files: files, metadata: .object(metadata)))
    }
}
