import Foundation
import LSQMBasics
import LSQMCore
import LSQMMine
import LSQMTemplates

/// `lsqm normalize`: the normalization record, printed either way; a failed translation is still a failed
/// command (scripts check the exit code).
public struct NormalizeResult: CommandOutput {
    public struct Record: Encodable, Sendable {
        public var kind: String
        public var status: String
        public var unsupported: [NormalizationRecord.Unsupported]
        public var warnings: [String]
        /// Encoded only when the normalizer reported inputs, so older records print as before.
        public var inputs: [NormalizationRecord.Input]?
        public var files: [String]
        public var normalizer: String?
    }

    public var record: Record
    /// The folder as the user named it, for the failure.
    var path: String
    /// Where the Terraform went; nil in a dry run (nothing written).
    var written: URL?
    var failed: Bool

    public var text: String {
        var lines = [
            "\(record.kind) → Terraform: \(record.status) (\(record.files.count) files\(written.map { " in \($0.path)" } ?? ", dry run: not written"))"
        ]
        for item in record.unsupported {
            lines.append("  unsupported: " + (item.resource.isEmpty ? "" : "\(item.resource) (\(item.type)): ") + item.reason)
        }
        for input in record.inputs ?? [] {
            lines.append("  input: \(input.parameter) = \(input.value ?? "(needed from the template's author)"): \(input.how)")
        }
        for warning in record.warnings { lines.append("  warning: \(warning)") }
        return printed(lines)
    }

    public func json() throws -> String { String(decoding: try JSONCoding.encode(record), as: UTF8.self) }

    public var failure: LSQMError? {
        guard failed else { return nil }
        let causes = record.unsupported.map(\.reason) + record.warnings
        return LSQMError(
            .invalidInput, action: "normalize \(path)", cause: causes.first ?? "the normalizer gave no reason",
            hint: "see the unsupported entries above; the folder must hold a \(record.kind) template the normalizer can read")
    }
}

extension Application {
    /// `lsqm normalize`: one architecture folder through the normalizer plugin its kind selects; the Terraform
    /// goes into `out` (not in a dry run).
    public func normalize(folder path: String, out: String) async throws -> NormalizeResult {
        let folder = URL(fileURLWithPath: path).standardizedFileURL
        guard Files.isDirectory(folder) else {
            throw LSQMError(.usage, action: "normalize \(path)", cause: "it is not a directory", hint: "pass the folder that holds the template")
        }
        let files = try Files.regularFiles(under: folder).map {
            ArchitectureFile(path: $0, content: try Files.read(folder.appendingPathComponent($0)))
        }
        let inspection: ArchitectureInspection
        do { inspection = try ArchitectureInspector.inspect(files: files.map { ($0.path, $0.content) }) } catch {
            throw LSQMError.wrap(error, action: "normalize \(path)", kind: .invalidInput)
        }
        let kind = inspection.kind
        guard kind.needsNormalization else {
            throw LSQMError(.usage, action: "normalize \(path)", cause: "it is already Terraform", hint: "validate it directly")
        }
        let dispatch = NormalizerDispatch(manager: pluginManager(), selections: configuration.normalizers, logger: logger)
        let architecture = DiscoveredArchitecture(
            sourceURL: "file://" + folder.path, name: folder.lastPathComponent, declaredKind: kind, files: files, source: "normalize")
        let output: NormalizedOutput
        do {
            output = try await logger.stage("normalize") { try await dispatch.normalize(architecture, kind: kind) }
        } catch {
            await dispatch.shutdown()
            throw error
        }
        await dispatch.shutdown()
        let outDirectory = URL(fileURLWithPath: out).standardizedFileURL
        if !options.dryRun {
            for file in output.terraformFiles {
                try AtomicFile.write(file.content, to: try ArtifactStore.safeJoin(outDirectory, file.path), durable: false)
            }
        }
        let record = NormalizeResult.Record(
            kind: kind.rawValue, status: output.record.status.rawValue, unsupported: output.record.unsupported,
            warnings: output.record.warnings, inputs: output.record.inputs,
            files: output.terraformFiles.map(\.path).sorted(), normalizer: output.record.normalizer)
        return NormalizeResult(record: record, path: path, written: options.dryRun ? nil : outDirectory, failed: output.record.status == .failed)
    }
}
