import Foundation
import LSQMBasics
import LSQMCore

extension ValidateStage {
    /// Validates one architecture again, exactly as a run does, without writing a run: the compare stage uses
    /// it to confirm a regression candidate (design.md "Regressions"). The architecture must still be indexed.
    public static func revalidate(arch: String, store: ArtifactStore, runtime: any EmulatorRuntime, options: ValidateOptions,
                                  logger: Logger) async throws -> ValidationResult {
        guard let architecture = try store.loadIndex().architectures[arch] else {
            throw LSQMError(.invalidInput, action: "re-validate \(arch.prefix(12))", cause: "it is no longer in the index")
        }
        try await runtime.prepare(logger: logger)
        let validation = ArchitectureValidation(architecture: architecture, store: store, runtime: runtime, options: options,
                                                venvs: VenvCache(directory: options.venvDirectory), initGate: AsyncGate(permits: 1))
        let (result, _) = await validation.run()
        logger.info("compare", "revalidated", "\(architecture.name) \(arch.prefix(12)): \(result.status.rawValue) on re-run",
                    fields: ["arch": .string(arch), "status": .string(result.status.rawValue)])
        return result
    }
}
