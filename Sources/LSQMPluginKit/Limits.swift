import Foundation

/// What the host accepts from a plugin, in one place so that plugins, the host's checks, tarball extraction and
/// the header's documentation (lsqm_plugin.h "LIMITS") say the same thing.
public enum PluginLimits {
    /// Largest file the host keeps: a source's or normalizer's file, or a tarball entry.
    public static let maxFileBytes = 10 << 20
    /// Largest architecture (all its files together).
    public static let maxArchitectureBytes = 64 << 20
    /// Largest frame a worker may send the host (one response, with its JSON and base64 overhead). A larger one
    /// is a clear error at once and the worker is killed.
    public static let maxFrameBytes = 256 << 20

    /// Why `path` may not name a file of an architecture, or nil when it may: it must be relative, without
    /// `.` or `..` components, without a `.git` component anywhere (it would write into the artifact
    /// repository's own git data), without a backslash, and without control characters.
    public static func pathProblem(_ path: String) -> String? {
        if path.isEmpty { return "the path is empty" }
        if path.hasPrefix("/") { return "the path is absolute" }
        if path.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) {
            return "the path contains a control character"
        }
        if path.contains("\\") { return "the path contains a backslash" }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        if parts.contains(where: { $0.isEmpty }) { return "the path has an empty component" }
        if parts.contains(where: { $0 == "." || $0 == ".." }) { return "the path contains '.' or '..'" }
        if parts.contains(where: { $0.lowercased() == ".git" }) { return "the path has a .git component" }
        return nil
    }

    /// Every problem with one architecture's files (paths, duplicates, sizes), as sentences; empty when it is fine.
    public static func problems(files: [(path: String, size: Int)]) -> [String] {
        var problems: [String] = []
        var seen = Set<String>()
        var total = 0
        for file in files {
            let shown = file.path.debugDescription
            if let problem = pathProblem(file.path) { problems.append("\(shown): \(problem)") }
            if !seen.insert(file.path).inserted { problems.append("\(shown): the path appears twice") }
            if file.size > maxFileBytes { problems.append("\(shown): \(file.size) bytes, over the \(maxFileBytes)-byte limit per file") }
            total += file.size
        }
        if total > maxArchitectureBytes { problems.append("\(total) bytes in all, over the \(maxArchitectureBytes)-byte limit per architecture") }
        return problems
    }
}
