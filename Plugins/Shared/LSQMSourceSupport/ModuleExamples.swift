import Foundation
import LSQMBasics

/// A Terraform module's runnable examples, cut out of its source archive.
///
/// terraform-aws-modules and most registry modules keep runnable configurations in `examples/<name>/` that call
/// the module as `source = "../../"`. Each example becomes one architecture whose files are the example's own
/// plus the module under `lsqm-module/` (its root `*.tf` and `modules/**`), with the example's `../../`
/// module sources rewritten to `./lsqm-module`: an architecture is a self-contained folder, and a path that
/// climbs out of it would not exist where the validator runs it.
public enum ModuleExamples {
    public static let moduleFolder = "lsqm-module"

    public struct Example: Sendable {
        public var name: String
        public var files: [(path: String, content: Data)]
        public var rewrittenSources: Int
    }

    /// Unpacks a (possibly gzipped) tarball as hostile input and returns its examples and what was refused.
    public static func read(
        archive: Data, limits: TarArchive.Limits = TarArchive.Limits()
    ) throws -> (examples: [Example], refused: [TarArchive.Refusal]) {
        let tar = archive.starts(with: [0x1f, 0x8b]) ? try Gzip.decompress(archive) : archive
        var parsed = try TarArchive.read(tar, limits: limits)
        // GitHub wraps everything in one `owner-repo-sha/` folder; strip it when every entry shares it.
        let tops = Set(parsed.files.compactMap { $0.path.split(separator: "/").first.map(String.init) })
        if tops.count == 1, let top = tops.first, parsed.files.allSatisfy({ $0.path.hasPrefix(top + "/") }) {
            parsed.files = parsed.files.map { TarArchive.Entry(path: String($0.path.dropFirst(top.count + 1)), content: $0.content) }
        }
        return (examples(in: parsed.files), parsed.refused)
    }

    static func examples(in files: [TarArchive.Entry]) -> [Example] {
        let module = files.filter { entry in
            let parts = entry.path.split(separator: "/")
            return entry.path.hasSuffix(".tf") && (parts.count == 1 || parts.first == "modules")
        }
        var byExample: [String: [TarArchive.Entry]] = [:]
        for entry in files where entry.path.hasPrefix("examples/") {
            let parts = entry.path.split(separator: "/").map(String.init)
            guard parts.count >= 3 else { continue }
            byExample[parts[1], default: []].append(entry)
        }
        return byExample.keys.sorted().compactMap { name in
            let own = byExample[name] ?? []
            guard own.contains(where: { $0.path.split(separator: "/").count == 3 && $0.path.hasSuffix(".tf") }) else { return nil }
            var rewritten = 0
            var result: [(String, Data)] = own.map { entry in
                let relative = String(entry.path.dropFirst("examples/\(name)/".count))
                guard relative.hasSuffix(".tf") else { return (relative, entry.content) }
                let (text, count) = rewriteModuleSources(String(decoding: entry.content, as: UTF8.self))
                rewritten += count
                return (relative, count > 0 ? Data(text.utf8) : entry.content)
            }
            if rewritten > 0 { result += module.map { ("\(moduleFolder)/\($0.path)", $0.content) } }
            return Example(name: name, files: result.sorted { $0.0 < $1.0 }, rewrittenSources: rewritten)
        }
    }

    /// `source = "../../"`, `"../.."` and `"../../modules/x"` → `./lsqm-module…`; other sources are left alone.
    static func rewriteModuleSources(_ text: String) -> (String, Int) {
        var count = 0
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("source"), let quote = line.firstIndex(of: "\"") else { return String(line) }
            let value = line[line.index(after: quote)...]
            for prefix in ["../../", "../.."] where value.hasPrefix(prefix) {
                let rest = value.dropFirst(prefix.count)
                guard rest.first == "\"" || prefix == "../../" else { continue }
                count += 1
                let replacement = prefix == "../../" ? "./\(moduleFolder)/" : "./\(moduleFolder)"
                return String(line[...quote]) + replacement + rest
            }
            return String(line)
        }
        return (lines.joined(separator: "\n"), count)
    }
}

/// Where a registry's `X-Terraform-Get` says the module source is, as a URL the host can fetch.
public enum TerraformGetLocation {
    /// Accepts the forms the module registry protocol documents: an absolute http(s) URL (optionally with a
    /// `//subdir` and `?archive=`), a `git::https://github.com/owner/repo?ref=x` address (fetched as a GitHub
    /// tarball through the API), and a relative value starting with `/`, `./` or `../`, resolved against the
    /// download endpoint's URL. Returns nil for forms it cannot fetch (other VCS, S3, a private git host).
    public static func resolve(_ value: String, downloadURL: URL, githubAPI: String) -> URL? {
        var text = value.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("git::") {
            text = String(text.dropFirst(5))
            guard var components = URLComponents(string: text), components.host?.lowercased() == "github.com" else { return nil }
            let ref = components.queryItems?.first { $0.name == "ref" }?.value ?? "HEAD"
            components.query = nil
            var path = components.path
            if let subdir = path.range(of: "//") { path = String(path[..<subdir.lowerBound]) }
            let parts = path.split(separator: "/").map(String.init)
            guard parts.count >= 2 else { return nil }
            let repo = parts[1].hasSuffix(".git") ? String(parts[1].dropLast(4)) : parts[1]
            return URL(string: "\(githubAPI)/repos/\(parts[0])/\(repo)/tarball/\(ref)")
        }
        if text.hasPrefix("/") || text.hasPrefix("./") || text.hasPrefix("../") {
            return URL(string: stripSubdirectory(text), relativeTo: downloadURL)?.absoluteURL
        }
        guard text.hasPrefix("https://") || text.hasPrefix("http://") else { return nil }
        return URL(string: stripSubdirectory(text))
    }

    /// Drops a go-getter `//subdir` selector and the `archive=` hint from a URL.
    static func stripSubdirectory(_ text: String) -> String {
        var base = text
        var query: String?
        if let mark = text.firstIndex(of: "?") {
            base = String(text[..<mark])
            query = String(text[text.index(after: mark)...])
        }
        let schemeEnd = base.range(of: "://")?.upperBound ?? base.startIndex
        if let subdir = base[schemeEnd...].range(of: "//") { base = String(base[..<subdir.lowerBound]) }
        let kept = (query ?? "").split(separator: "&").filter { !$0.hasPrefix("archive=") }
        return kept.isEmpty ? base : base + "?" + kept.joined(separator: "&")
    }
}
