import Foundation
import LSQMBasics
import LSQMCore
import LSQMPluginKit

/// The host checks what plugins return before anything reaches the artifact repository: every file decodes,
/// every path is safe (relative, no `..`, no `.git` component, no control characters, no duplicates; paths are
/// shown escaped), and
/// files and the whole architecture stay under `PluginLimits`' caps — the same caps as tarball extraction.
enum PluginOutputCheck {
    static func files(_ files: [PluginFile], action: String) throws -> [ArchitectureFile] {
        var decoded: [ArchitectureFile] = []
        var problems: [String] = []
        for file in files {
            guard let data = file.data else {
                problems.append("\(file.path.debugDescription): no valid content")
                continue
            }
            decoded.append(ArchitectureFile(path: file.path, content: data))
        }
        problems += PluginLimits.problems(files: decoded.map { ($0.path, $0.content.count) })
        guard problems.isEmpty else {
            let shown = problems.prefix(5).joined(separator: "; ") + (problems.count > 5 ? "; and \(problems.count - 5) more" : "")
            throw LSQMError(.plugin, action: action, cause: shown)
        }
        return decoded
    }
}
