import Foundation
import LSQMBasics

/// One architecture folder found under the scan root.
struct ScannedFolder {
    var url: URL
    var relativePath: String
    var files: [(path: String, content: Data)]
    var skippedFiles: [(path: String, reason: String)]
}

/// Finds architecture folders. Interim walker until the shared ArchitectureScanner lands in LSQMTemplates.
enum ArchitectureFolders {
    static let maxFileBytes = 10 << 20

    static func scan(root: URL, ignore: Set<String>) throws -> [ScannedFolder] {
        var result: [ScannedFolder] = []
        let fm = FileManager.default
        guard let enumerator = fm.enumerator(at: root, includingPropertiesForKeys: [.isDirectoryKey, .isSymbolicLinkKey]) else { return [] }
        var folders: [URL] = [root]
        for case let url as URL in enumerator {
            let values = try? url.resourceValues(forKeys: [.isDirectoryKey, .isSymbolicLinkKey])
            if values?.isDirectory == true, values?.isSymbolicLink != true { folders.append(url) }
        }
        for folder in folders.sorted(by: { $0.path < $1.path }) {
            let names = ((try? fm.contentsOfDirectory(atPath: folder.path)) ?? []).sorted()
            let isArchitecture = names.contains { name in
                name.hasSuffix(".tf") || name == "serverless.yml" || name == "serverless.yaml" ||
                    ((name.hasSuffix(".yaml") || name.hasSuffix(".yml") || name.hasSuffix(".json") || name.hasSuffix(".template")) &&
                        ((try? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8))?.contains("Resources") ?? false))
            }
            guard isArchitecture else { continue }
            var files: [(String, Data)] = []
            var skipped: [(String, String)] = []
            for name in names where !ignore.contains(name) {
                let url = folder.appendingPathComponent(name)
                let values = try? url.resourceValues(forKeys: [.isRegularFileKey, .isSymbolicLinkKey, .fileSizeKey])
                if values?.isSymbolicLink == true { skipped.append((name, "symbolic link")); continue }
                guard values?.isRegularFile == true else { continue }
                if (values?.fileSize ?? 0) > maxFileBytes { skipped.append((name, "larger than \(maxFileBytes) bytes")); continue }
                guard let data = try? Data(contentsOf: url) else { skipped.append((name, "unreadable")); continue }
                files.append((name, data))
            }
            let relative = folder.path == root.path ? "" : String(folder.path.dropFirst(root.path.count + 1))
            result.append(ScannedFolder(url: folder, relativePath: relative, files: files, skippedFiles: skipped))
        }
        return result
    }
}
