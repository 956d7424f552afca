import Foundation
import LSQMBasics
import LSQMCore

extension ValidateStage {
    /// Validates one architecture again, exactly as a run does, without writing a run: the compare stage uses
    /// it to confirm a regression candidate (design.md "Regressions"). The architecture must still be indexed.
    ///
    /// A re-run needs a fresh emulator state: docker and host runtimes start a fresh emulator per validation;
    /// an external emulator (`--emulator URL`) is reset first, and one that cannot be reset refuses the
    /// confirmation (`ConfirmationRefused`) rather than judge the re-run on what the failed run left behind.
    public static func revalidate(
        arch: String, store: ArtifactStore, runtime: any EmulatorRuntime, options: ValidateOptions,
        logger: Logger
    ) async throws -> ValidationResult {
        guard let architecture = try store.loadIndex().architectures[arch] else {
            throw LSQMError(.invalidInput, action: "re-validate \(arch.prefix(12))", cause: "it is no longer in the index")
        }
        try await runtime.prepare(logger: logger)
        if let external = runtime as? URLRuntime {
            do { try await external.resetState() } catch {
                logger.warning(
                    "compare", "reset_failed", "not confirming \(architecture.name): the emulator cannot be reset",
                    error: LSQMError.wrap(error, action: "reset the emulator"))
                throw ConfirmationRefused(
                    reason: "the emulator at \(external.url.absoluteString) could not be reset to a fresh state (\(LSQMError.describe(error)))")
            }
        }
        let validation = ArchitectureValidation(
            architecture: architecture, store: store, runtime: runtime, options: options,
            venvs: VenvCache(directory: options.venvDirectory), initGate: AsyncGate(permits: 1))
        let (result, _) = await validation.run()
        // Stopped mid-way (Ctrl-C during compare): the teardown's outcome must not confirm or clear anything.
        if Task.isCancelled {
            throw LSQMError(.cancelled, action: "re-validate \(architecture.name)", cause: "lsqm was stopped during the re-validation")
        }
        logger.info(
            "compare", "revalidated", "\(architecture.name) \(arch.prefix(12)): \(result.status.rawValue) on re-run",
            fields: [
                "arch": .string(arch), "status": .string(result.status.rawValue),
                "signatures": .array(result.failureSignatures.map { .string($0.description) }),
            ])
        return result
    }
}
