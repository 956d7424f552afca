import ArgumentParser
import Foundation
import LSQMBasics
import LSQMCore
import LSQMMine
import LSQMTemplates

struct NormalizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "normalize",
        abstract: "Convert one CloudFormation, SAM or Serverless architecture folder to Terraform.",
        discussion:
            "The normalizer plugin is chosen by the folder's kind (see 'normalizers' in the config). The Terraform is written into --out; the normalization record (status, unsupported resources, warnings) is printed."
    )
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The architecture folder.") var path: String
    @Option(help: "Where to write the Terraform (created if missing).") var out: String
    @Flag(help: "Print the record as JSON (kind, status, unsupported, warnings, files).") var json = false

    struct Record: Encodable {
        var kind: String
        var status: String
        var unsupported: [NormalizationRecord.Unsupported]
        var warnings: [String]
        /// Encoded only when the normalizer reported inputs, so older records print as before.
        var inputs: [NormalizationRecord.Input]?
        var files: [String]
        var normalizer: String?
    }

    func run() async throws {
        let context = try CommandContext(global)
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
        let dispatch = NormalizerDispatch(manager: context.pluginManager(), selections: context.configuration.normalizers, logger: context.logger)
        let architecture = DiscoveredArchitecture(
            sourceURL: "file://" + folder.path, name: folder.lastPathComponent, declaredKind: kind, files: files, source: "normalize")
        let output: NormalizedOutput
        do {
            output = try await context.logger.stage("normalize") { try await dispatch.normalize(architecture, kind: kind) }
        } catch {
            await dispatch.shutdown()
            throw error
        }
        await dispatch.shutdown()
        let outDirectory = URL(fileURLWithPath: out).standardizedFileURL
        if !context.options.dryRun {
            for file in output.terraformFiles {
                try AtomicFile.write(file.content, to: try ArtifactStore.safeJoin(outDirectory, file.path), durable: false)
            }
        }
        let record = Record(
            kind: kind.rawValue, status: output.record.status.rawValue, unsupported: output.record.unsupported,
            warnings: output.record.warnings, inputs: output.record.inputs,
            files: output.terraformFiles.map(\.path).sorted(), normalizer: output.record.normalizer)
        if json {
            try context.printJSON(record)
        } else {
            print(
                "\(kind.rawValue) → Terraform: \(record.status) (\(record.files.count) files\(context.options.dryRun ? ", dry run: not written" : " in \(outDirectory.path)"))"
            )
            for item in record.unsupported {
                print("  unsupported: " + (item.resource.isEmpty ? "" : "\(item.resource) (\(item.type)): ") + item.reason)
            }
            for input in record.inputs ?? [] {
                print("  input: \(input.parameter) = \(input.value ?? "(needed from the template's author)"): \(input.how)")
            }
            for warning in record.warnings { print("  warning: \(warning)") }
        }
        // The record is printed either way; a failed translation is still a failed command (scripts check the exit code).
        if output.record.status == .failed {
            let causes = output.record.unsupported.map(\.reason) + output.record.warnings
            throw LSQMError(
                .invalidInput, action: "normalize \(path)", cause: causes.first ?? "the normalizer gave no reason",
                hint: "see the unsupported entries above; the folder must hold a \(kind.rawValue) template the normalizer can read")
        }
    }
}
