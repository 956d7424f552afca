import Foundation

/// Small file-system helpers with lsqm's error shape.
public enum Files {
    public static func exists(_ url: URL) -> Bool { FileManager.default.fileExists(atPath: url.path) }

    public static func isDirectory(_ url: URL) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) && isDir.boolValue
    }

    public static func read(_ url: URL, action: String? = nil) throws -> Data {
        do { return try Data(contentsOf: url) } catch {
            throw LSQMError(.environment, action: action ?? "read \(url.path)", cause: LSQMError.describe(error))
        }
    }

    public static func createDirectory(_ url: URL) throws {
        do { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) } catch {
            throw LSQMError(.environment, action: "create directory \(url.path)", cause: LSQMError.describe(error))
        }
    }

    public static func remove(_ url: URL) {
        try? FileManager.default.removeItem(at: url)
    }

    /// A fresh private temporary directory, removed by `remove`; inside `parent` when given (it must exist),
    /// else in the system's temporary directory.
    public static func makeTemporaryDirectory(prefix: String = "lsqm", in parent: URL? = nil) throws -> URL {
        let base = parent ?? URL(fileURLWithPath: NSTemporaryDirectory())
        var template = Array(base.appendingPathComponent("\(prefix)-XXXXXX").path.utf8CString)
        guard let result = mkdtemp(&template) else {
            throw LSQMError(.environment, action: "create a temporary directory", cause: String(cString: strerror(errno)))
        }
        return URL(fileURLWithPath: String(cString: result), isDirectory: true)
    }

    /// Runs `body` with a temporary directory that is always removed afterwards.
    public static func withTemporaryDirectory<T>(prefix: String = "lsqm", _ body: (URL) async throws -> T) async throws -> T {
        let dir = try makeTemporaryDirectory(prefix: prefix)
        defer { remove(dir) }
        return try await body(dir)
    }

    /// Regular files under `root` as sorted relative paths (symlinks are not followed).
    public static func regularFiles(under root: URL) -> [String] {
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey, .isSymbolicLinkKey]) else {
            return []
        }
        let rootPath = root.standardizedFileURL.resolvingSymlinksInPath().path
        var result: [String] = []
        for case let url as URL in enumerator {
            let values = try? url.resourceValues(forKeys: [.isRegularFileKey, .isSymbolicLinkKey])
            guard values?.isRegularFile == true, values?.isSymbolicLink != true else { continue }
            let path = url.standardizedFileURL.resolvingSymlinksInPath().path
            guard path.hasPrefix(rootPath + "/") else { continue }
            result.append(String(path.dropFirst(rootPath.count + 1)))
        }
        return result.sorted()
    }
}
