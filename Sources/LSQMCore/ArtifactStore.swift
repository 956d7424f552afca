import Foundation
import LSQMBasics

/// The artifact repository's layout and its atomic reads and writes (design.md "Data and identity").
///
/// ```
/// architectures/index.json          every known architecture (ArchitectureIndex)
/// architectures/<hash>/files/…      the original template files
/// architectures/<hash>/terraform/…  Terraform to deploy (the files themselves, or the normalizer's output)
/// architectures/<hash>/metadata.json
/// apps/<hash>/                      conftest.py, app.py, test_app.py, requirements.txt, metadata.json
/// runs/<run_id>/results.json        one RunRecord; logs/<hash>.log per architecture
/// reports/latest/index.html
/// trends/<service>.json, trends/overall.json
/// ```
/// Git is the sync and push stages' business; this type only reads and writes files, always atomically.
public struct ArtifactStore: Sendable {
    public let root: URL
    /// How many runs are kept (older run and report folders are pruned).
    public static let keptRuns = 52

    public init(root: URL) { self.root = root.standardizedFileURL }

    public var architecturesDirectory: URL { root.appendingPathComponent("architectures", isDirectory: true) }
    public var indexFile: URL { architecturesDirectory.appendingPathComponent("index.json") }
    public var appsDirectory: URL { root.appendingPathComponent("apps", isDirectory: true) }
    public var runsDirectory: URL { root.appendingPathComponent("runs", isDirectory: true) }
    public var reportsDirectory: URL { root.appendingPathComponent("reports", isDirectory: true) }
    public var trendsDirectory: URL { root.appendingPathComponent("trends", isDirectory: true) }

    public func architectureDirectory(_ hash: String) -> URL { architecturesDirectory.appendingPathComponent(hash, isDirectory: true) }
    public func originalFilesDirectory(_ hash: String) -> URL { architectureDirectory(hash).appendingPathComponent("files", isDirectory: true) }
    public func terraformDirectory(_ hash: String) -> URL { architectureDirectory(hash).appendingPathComponent("terraform", isDirectory: true) }
    public func appDirectory(_ hash: String) -> URL { appsDirectory.appendingPathComponent(hash, isDirectory: true) }
    public func runDirectory(_ runID: String) -> URL { runsDirectory.appendingPathComponent(runID, isDirectory: true) }

    /// The top-level paths lsqm owns in the repository: the only ones it ever stages and commits (the
    /// repository may be the user's, with their own files beside these).
    public static let ownedPaths = ["architectures", "apps", "runs", "reports", "trends"]

    /// True when `root` already holds an lsqm layout.
    public var isInitialized: Bool { Files.exists(indexFile) }

    /// Creates every folder and index file of an empty repository. Existing content is left untouched.
    public func initializeLayout() throws {
        for directory in [architecturesDirectory, appsDirectory, runsDirectory, reportsDirectory.appendingPathComponent("latest"), trendsDirectory] {
            try Files.createDirectory(directory)
            // Git does not keep empty folders; a marker keeps the layout visible in a fresh clone.
            let keep = directory.appendingPathComponent(".gitkeep")
            if !Files.exists(keep) { try AtomicFile.write(Data(), to: keep) }
        }
        if !Files.exists(indexFile) { try saveIndex(ArchitectureIndex()) }
    }

    // MARK: Index

    public func loadIndex() throws -> ArchitectureIndex {
        guard Files.exists(indexFile) else { return ArchitectureIndex() }
        let data = try Files.read(indexFile)
        do {
            let index = try JSONCoding.decode(ArchitectureIndex.self, from: data)
            guard index.version <= ArchitectureIndex.currentVersion else {
                throw LSQMError(
                    .invalidInput, action: "load \(indexFile.path)",
                    cause: "index version \(index.version) is newer than this lsqm understands (\(ArchitectureIndex.currentVersion))",
                    hint: "upgrade lsqm")
            }
            return index
        } catch let error as LSQMError {
            throw error
        } catch {
            throw LSQMError(
                .invalidInput, action: "load \(indexFile.path)", cause: LSQMError.describe(error),
                hint: "restore it from git (git -C \(root.path) checkout -- architectures/index.json)")
        }
    }

    /// The index is the commit point: everything written before it (architecture files, written without
    /// per-file fsync) is flushed to disk first, then the index is written durably.
    public func saveIndex(_ index: ArchitectureIndex) throws {
        if Files.exists(root) { AtomicFile.flushFileSystem(containing: root) }
        try AtomicFile.writeJSON(index, to: indexFile)
    }

    // MARK: Architectures

    /// Writes an architecture's original files, its Terraform and its metadata. Files go in first and the
    /// caller saves the index last, so the index never names an architecture whose files are missing.
    public func saveArchitecture(
        _ architecture: Architecture, originalFiles: [(path: String, content: Data)],
        terraformFiles: [(path: String, content: Data)]
    ) throws {
        let directory = architectureDirectory(architecture.id)
        for file in originalFiles {
            try AtomicFile.write(file.content, to: try ArtifactStore.safeJoin(originalFilesDirectory(architecture.id), file.path), durable: false)
        }
        for file in terraformFiles {
            try AtomicFile.write(file.content, to: try ArtifactStore.safeJoin(terraformDirectory(architecture.id), file.path), durable: false)
        }
        try AtomicFile.writeJSON(architecture, to: directory.appendingPathComponent("metadata.json"), durable: false)
    }

    /// The Terraform files of an architecture, as relative paths under its terraform folder.
    public func terraformFiles(_ hash: String) -> [String] { Files.regularFiles(under: terraformDirectory(hash)) }

    /// sha256 of the normalized Terraform stored for an architecture (its terraform folder, hashed like an
    /// architecture's content), or nil when there is none. Validate records it with each result and generate
    /// with each app, so a normalizer change is seen as a new deployment, never as the emulator's doing.
    public func terraformHash(_ hash: String) -> String? {
        let directory = terraformDirectory(hash)
        let files = terraformFiles(hash).compactMap { path in
            (try? Data(contentsOf: directory.appendingPathComponent(path))).map { (path: path, content: $0) }
        }
        return files.isEmpty ? nil : ContentHash.architecture(files: files)
    }

    // MARK: Apps

    public func loadAppMetadata(_ archHash: String) -> TestAppMetadata? {
        let url = appDirectory(archHash).appendingPathComponent("metadata.json")
        guard let data = try? Data(contentsOf: url) else { return nil }
        return try? JSONCoding.decode(TestAppMetadata.self, from: data)
    }

    public func saveApp(_ metadata: TestAppMetadata, files: [(path: String, content: Data)]) throws {
        let directory = appDirectory(metadata.arch)
        for file in files { try AtomicFile.write(file.content, to: try ArtifactStore.safeJoin(directory, file.path)) }
        try AtomicFile.writeJSON(metadata, to: directory.appendingPathComponent("metadata.json"))
    }

    // MARK: Runs

    public func saveRun(_ run: RunRecord) throws {
        try AtomicFile.writeJSON(run, to: runDirectory(run.runID).appendingPathComponent("results.json"))
    }

    public func loadRun(_ runID: String) throws -> RunRecord {
        let url = runDirectory(runID).appendingPathComponent("results.json")
        do { return try JSONCoding.decode(RunRecord.self, from: try Files.read(url)) } catch {
            throw unreadableRun(runID, cause: LSQMError.describe(error))
        }
    }

    /// The error for a run whose results file cannot be read: it names the file and how to get past it.
    public func unreadableRun(_ runID: String, cause: String) -> LSQMError {
        let relative = "runs/\(runID)/results.json"
        return LSQMError(
            .invalidInput, action: "load run \(runID)", cause: "\(relative) is unreadable (\(cause))",
            hint: "restore it from git (git -C \(root.path) checkout -- \(relative)), or move runs/\(runID) out of the repository")
    }

    /// Runs whose results file is not valid JSON (torn by a full disk, edited by hand): `status` lists them,
    /// and report and compare go on without them.
    public func unreadableRunIDs() -> [String] {
        runIDs().filter { id in
            let data = try? Files.read(runDirectory(id).appendingPathComponent("results.json"))
            return data.flatMap { try? JSONSerialization.jsonObject(with: $0) } == nil
        }
    }

    /// Run ids with a results file, oldest first (run ids sort by time).
    public func runIDs() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: runsDirectory.path)) ?? []
        return names.filter { Files.exists(runDirectory($0).appendingPathComponent("results.json")) }.sorted()
    }

    /// Removes run and report folders beyond the newest `keep` runs; returns the removed run ids.
    @discardableResult
    public func pruneRuns(keep: Int = ArtifactStore.keptRuns) -> [String] {
        let ids = runIDs()
        guard ids.count > keep else { return [] }
        let removed = Array(ids.prefix(ids.count - keep))
        for id in removed {
            Files.remove(runDirectory(id))
            Files.remove(reportsDirectory.appendingPathComponent(id))
        }
        return removed
    }

    /// Joins a relative path under a directory, refusing absolute paths and `..` escapes: file names come
    /// from the internet and must never write outside their folder.
    public static func safeJoin(_ base: URL, _ relative: String) throws -> URL {
        let components = relative.split(separator: "/", omittingEmptySubsequences: true)
        guard !relative.hasPrefix("/"), !components.isEmpty, !components.contains(where: { $0 == ".." || $0 == "." }),
            !relative.contains("\0")
        else {
            throw LSQMError(.invalidInput, action: "write file '\(relative)'", cause: "the path is absolute or leaves its folder")
        }
        return components.reduce(base) { $0.appendingPathComponent(String($1)) }
    }
}
