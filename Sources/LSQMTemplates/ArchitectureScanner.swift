import Foundation
import LSQMBasics

/// Finds the architectures under a directory: every folder holding a `*.tf` file, a CloudFormation/SAM
/// template or an AWS `serverless.yml` is one architecture, and owns every file below it.
///
/// How nested folders relate:
/// - A marked folder inside another marked folder belongs to it (`function/template.yml` of a SAM nested
///   application, `resource/*.yml` fragments of a Serverless service, `templates/` of nested CloudFormation
///   stacks, `modules/sqs/*.tf` of a Terraform configuration).
/// - Except a nested Terraform folder that is a root configuration of its own, as Terraform sees it: no
///   Terraform folder in the scan uses it as a local module (`source = "./x"`) and it is not under a
///   `modules/` folder. That is the terraform-aws-modules layout: the module at the top, runnable
///   configurations in `examples/*` that use it with `source = "../../"`. Its files leave its parent.
/// - A folder that holds nothing but one marked subfolder (`x/templates/*.yaml`) is the architecture, named
///   after it, unless the subfolder is Terraform (Terraform deploys from the folder its .tf files are in).
///
/// Input is hostile (it comes from the internet). Nothing here crashes on it; these files are skipped and
/// recorded with a reason: symbolic links (never followed, wherever they point: a link inside the folder
/// would duplicate content, one outside would leak the host's files, and checking the target is racy),
/// anything that is not a regular file, files over the size cap (10 MB), unreadable files and folders,
/// binary content in a file that must be text (a template, code; other binaries such as a Lambda zip are kept), YAML over `TemplateYAML`'s limits (alias bombs, nesting), and
/// folders deeper than `maxDepth`. Tool output and VCS folders (`.git`, `.terraform`, `node_modules`, …)
/// are not architecture content and are passed over silently, as are names in `ignoredNames`.
public enum ArchitectureScanner {
    public struct Options: Sendable {
        /// File or folder names (exact, any depth) that are not part of any architecture, e.g. a corpus's
        /// `SOURCE.json` provenance files.
        public var ignoredNames: Set<String>
        public var maxFileBytes: Int
        public var maxDepth: Int

        public init(ignoredNames: Set<String> = [], maxFileBytes: Int = 10 << 20, maxDepth: Int = 32) {
            self.ignoredNames = ignoredNames; self.maxFileBytes = maxFileBytes; self.maxDepth = maxDepth
        }

        public static let toolDirectories: Set<String> = [
            ".git", ".hg", ".svn", ".terraform", ".serverless", ".aws-sam", "node_modules", "__pycache__", ".venv", "cdk.out",
        ]
    }

    public struct File: Sendable, Equatable {
        /// Relative to the architecture's folder.
        public var path: String
        public var content: Data
        public init(path: String, content: Data) { self.path = path; self.content = content }
    }

    public struct SkippedFile: Sendable, Equatable, Codable {
        /// Relative to the architecture's folder (or to the scan root when outside every architecture).
        public var path: String
        public var reason: String
        public init(path: String, reason: String) { self.path = path; self.reason = reason }
    }

    public struct ScannedArchitecture: Sendable, Equatable {
        /// Relative to the scan root; `.` for the root itself.
        public var folder: String
        /// The kind its own folder's templates declare (the inspector decides again from content).
        public var kind: ArchitectureKind
        /// Sorted by path.
        public var files: [File]
        public var skipped: [SkippedFile]
        public var totalBytes: Int { files.reduce(0) { $0 + $1.content.count } }

        /// The folder's URL under the scanned `root`: the source URL a local architecture is indexed by, the
        /// same whoever scans (the LocalDirectorySource plugin, or the host in-process), so incremental mining
        /// recognises it either way.
        public func folderURL(under root: URL) -> URL {
            folder == "." ? root : root.appendingPathComponent(folder, isDirectory: true)
        }

        /// The architecture's name: its folder, or the root's own name for the root itself.
        public func name(under root: URL) -> String { folder == "." ? root.lastPathComponent : folder }
    }

    public struct Result: Sendable, Equatable {
        /// Sorted by folder.
        public var architectures: [ScannedArchitecture]
        /// Skipped entries outside every architecture, relative to the scan root.
        public var skipped: [SkippedFile]
    }

    /// Scans `root`. Throws only when `root` itself cannot be listed.
    public static func scan(_ root: URL, options: Options = Options()) throws -> Result {
        let rootPath = root.standardizedFileURL.path
        guard Files.isDirectory(root) else {
            throw LSQMError(.usage, action: "scan \(rootPath) for architectures", cause: "it is not a directory")
        }
        var walker = Walker(options: options)
        do {
            _ = try FileManager.default.contentsOfDirectory(atPath: rootPath)
        } catch {
            throw LSQMError(.environment, action: "scan \(rootPath) for architectures", cause: LSQMError.describe(error))
        }
        walker.walk(rootPath, components: [], depth: 0)
        return group(walker.folders)
    }

    // MARK: Walking

    /// One folder as found: its readable files, what it skipped, and what its own files mark it as.
    struct Folder {
        var components: [String]
        var files: [File] = []
        var skipped: [SkippedFile] = []
        var markers: Set<ArchitectureKind> = []
        /// Folders (relative to the scan root) that this folder's Terraform uses as local modules.
        var moduleFolders: [String] = []
        /// Entries that are content: files, skipped files and subfolders (not ignored names or tool folders).
        var entryCount = 0
        var path: String { components.joined(separator: "/") }
    }

    struct Walker {
        let options: Options
        /// Pre-order: every folder comes after its parent.
        var folders: [Folder] = []

        mutating func walk(_ absolute: String, components: [String], depth: Int) {
            var folder = Folder(components: components)
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: absolute).sorted()
            } catch {
                folder.skipped.append(SkippedFile(path: ".", reason: "unreadable folder: \(LSQMError.describe(error))"))
                folders.append(folder)
                return
            }
            var subfolders: [String] = []
            for name in names where !options.ignoredNames.contains(name) {
                let path = absolute + "/" + name
                var info = stat()
                guard lstat(path, &info) == 0 else {
                    folder.skipped.append(SkippedFile(path: name, reason: "cannot stat: \(String(cString: strerror(errno)))"))
                    continue
                }
                switch info.st_mode & S_IFMT {
                case S_IFLNK:
                    folder.skipped.append(SkippedFile(path: name, reason: "symbolic link (lsqm never follows links)"))
                case S_IFDIR:
                    guard !Options.toolDirectories.contains(name) else { continue }
                    if depth + 1 > options.maxDepth {
                        folder.skipped.append(SkippedFile(path: name, reason: "folder nested deeper than \(options.maxDepth) levels"))
                    } else {
                        subfolders.append(name)
                    }
                case S_IFREG:
                    add(name, path: path, size: Int(info.st_size), to: &folder)
                default:
                    folder.skipped.append(SkippedFile(path: name, reason: "not a regular file"))
                }
            }
            if folder.markers.contains(.terraform) { folder.moduleFolders = Walker.localModuleFolders(folder) }
            folder.entryCount = folder.files.count + folder.skipped.count + subfolders.count
            folders.append(folder)
            for name in subfolders {
                walk(absolute + "/" + name, components: components + [name], depth: depth + 1)
            }
        }

        func add(_ name: String, path: String, size: Int, to folder: inout Folder) {
            let content: Data
            switch ArchitectureScanner.readRegularFile(
                path, expectedSize: size, cap: options.maxFileBytes,
                allowBinary: !ArchitectureScanner.mustBeText(path))
            {
            case .failure(let reason):
                folder.skipped.append(SkippedFile(path: name, reason: reason))
                return
            case .success(let data):
                content = data
            }
            switch TemplateClassifier.classify(path: name, content: content) {
            case .hostile(let reason):
                folder.skipped.append(SkippedFile(path: name, reason: reason))
                return
            case .template(let kind), .brokenTemplate(let kind, _):
                folder.markers.insert(kind)
            case .other:
                break
            }
            folder.files.append(File(path: name, content: content))
        }

        /// The folders this folder's Terraform uses as local modules, relative to the scan root (sources that
        /// leave the scan root are dropped: nothing scanned can be them).
        static func localModuleFolders(_ folder: Folder) -> [String] {
            let terraform = folder.files.filter { TerraformConfiguration.isTerraformFile($0.path) }.map { ($0.path, $0.content) }
            return TerraformConfiguration.read(files: terraform).modules.compactMap { module in
                guard module.isLocal, let source = module.source else { return nil }
                var resolved = folder.components
                for part in source.split(separator: "/") where part != "." {
                    if part == ".." {
                        guard resolved.popLast() != nil else { return nil }
                    } else {
                        resolved.append(String(part))
                    }
                }
                return resolved.joined(separator: "/")
            }
        }
    }

    enum ReadOutcome { case success(Data), failure(String) }

    /// Extensions of files that are text by nature: templates, configuration and code. Binary content in one of
    /// these is corrupt or hostile and is refused. Other files (a Lambda `handler.zip` that Terraform's
    /// `filebase64sha256` reads, an image) are architecture content whatever their bytes.
    static let textExtensions: Set<String> = [
        "tf", "tfvars", "hcl", "tftpl", "tpl", "yaml", "yml", "json", "template", "txt", "md", "py", "js", "mjs", "cjs", "ts",
        "go", "java", "rb", "sh", "cfg", "ini", "toml", "xml", "html", "css", "sql", "graphql", "vtl", "asl",
    ]

    static func mustBeText(_ path: String) -> Bool {
        textExtensions.contains((path as NSString).pathExtension.lowercased())
    }

    /// Reads a regular file without following a link swapped in since `lstat`, within the size cap, and
    /// refuses binary content where text is expected.
    static func readRegularFile(_ path: String, expectedSize: Int, cap: Int, allowBinary: Bool = false) -> ReadOutcome {
        let megabytes = cap >> 20
        guard expectedSize <= cap else { return .failure("\(expectedSize) bytes, over the \(megabytes) MB cap") }
        // O_NONBLOCK: if a FIFO was swapped in since lstat, opening it must not wait for a writer.
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return .failure("unreadable: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return .failure("not a regular file") }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                return .failure("unreadable: \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            data.append(contentsOf: buffer[0..<count])
            // The file may have grown since lstat; the cap holds for what is actually read.
            if data.count > cap { return .failure("over the \(megabytes) MB cap") }
        }
        if !allowBinary, data.prefix(8000).contains(0) || String(data: data, encoding: .utf8) == nil {
            return .failure("binary file (not UTF-8 text)")
        }
        return .success(data)
    }

    // MARK: Grouping

    static func group(_ folders: [Folder]) -> Result {
        // Decide the roots: a marked folder with no root above it, or a Terraform consumer of a module above.
        var rootKinds: [String: ArchitectureKind] = [:]
        let entryCounts = Dictionary(folders.map { ($0.path, $0.entryCount) }, uniquingKeysWith: { first, _ in first })
        let moduleFolders = Set(folders.flatMap(\.moduleFolders))
        for folder in folders where !folder.markers.isEmpty {
            let isRootConfiguration =
                folder.markers.contains(.terraform) && !moduleFolders.contains(folder.path)
                && !folder.components.dropLast().contains("modules")
            guard nearestRoot(of: folder.components, in: rootKinds) == nil || isRootConfiguration,
                let kind = folder.markers.min(by: { $0.precedence < $1.precedence })
            else { continue }
            // A wrapper folder that holds nothing but this one adds only a name (`x/templates/*.yaml`): the
            // architecture is the wrapper, named after it. Terraform is never lifted: it deploys from the
            // folder its .tf files are in.
            var components = folder.components
            while kind != .terraform, !components.isEmpty, entryCounts[components.dropLast().joined(separator: "/")] == 1 {
                components.removeLast()
            }
            rootKinds[components.joined(separator: "/")] = kind
        }
        var architectures: [String: ScannedArchitecture] = [:]
        var outside: [SkippedFile] = []
        for folder in folders {
            guard let root = nearestRoot(of: folder.components, in: rootKinds), let kind = rootKinds[root] else {
                outside += folder.skipped.map { SkippedFile(path: join(folder.path, $0.path), reason: $0.reason) }
                continue
            }
            let prefix = String(folder.path.dropFirst(root.count)).drop { $0 == "/" }
            var architecture = architectures[root] ?? ScannedArchitecture(folder: root.isEmpty ? "." : root, kind: kind, files: [], skipped: [])
            architecture.files += folder.files.map { File(path: join(String(prefix), $0.path), content: $0.content) }
            architecture.skipped += folder.skipped.map { SkippedFile(path: join(String(prefix), $0.path), reason: $0.reason) }
            architectures[root] = architecture
        }
        let sorted = architectures.values.sorted { $0.folder < $1.folder }.map { architecture -> ScannedArchitecture in
            var copy = architecture
            copy.files.sort { $0.path < $1.path }
            return copy
        }
        return Result(architectures: sorted, skipped: outside)
    }

    /// The deepest root at or above `components`.
    static func nearestRoot(of components: [String], in roots: [String: ArchitectureKind]) -> String? {
        for length in stride(from: components.count, through: 0, by: -1) {
            let candidate = components.prefix(length).joined(separator: "/")
            if roots[candidate] != nil { return candidate }
        }
        return nil
    }

    static func join(_ prefix: String, _ name: String) -> String {
        if prefix.isEmpty { return name }
        if name == "." { return prefix }
        return prefix + "/" + name
    }
}
