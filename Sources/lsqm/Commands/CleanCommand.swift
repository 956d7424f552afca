import ArgumentParser
import Foundation
import LSQMBasics
import LSQMCore
import LSQMValidate

struct CleanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clean",
        abstract: "Remove lsqm's local cache and whatever a killed run left behind: processes, scratch folders, emulator containers.",
        discussion: """
            The cache holds venvs, the terraform plugin cache, the HTTP ETag cache and clones; it is rebuilt on demand. \
            Emulators, terraform and plugin workers that an lsqm killed before its children left running are stopped \
            (every lsqm lists its children in the cache's processes/ folder), and lsqm-validate-*/lsqm-check-* folders \
            of lsqm processes that are gone are removed from the temporary directory. When a Docker engine answers, \
            every container labelled lsqm.run_id is removed too.
            """)
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let context = try CommandContext(global)
        let cache = context.cacheDirectory
        // Leftover processes first: their records live in the cache that is removed next.
        if global.dryRun {
            print(
                "would stop processes left by killed lsqm runs (\(context.processRecordDirectory.path)) and remove stale lsqm-validate-*/lsqm-check-* folders"
            )
        } else {
            for line in context.reclaimLeftovers() { print(line) }
        }
        if !Files.exists(cache) {
            print("nothing to clean in \(cache.path)")
        } else if global.dryRun {
            print("would remove \(cache.path)")
        } else {
            do { try FileManager.default.removeItem(at: cache) } catch {
                throw LSQMError(.environment, action: "remove \(cache.path)", cause: LSQMError.describe(error))
            }
            context.logger.info("clean", "removed", "removed \(cache.path)")
            print("removed \(cache.path)")
        }
        // Stale emulator containers: only where a Docker engine answers (none is fine).
        guard let socket = await DockerRuntime.detectSocket(environment: context.environment) else { return }
        let docker = try DockerRuntime(socketPath: socket, version: context.configuration.localstackVersion, authToken: nil)
        if global.dryRun {
            print("would remove every container labelled lsqm.run_id from the Docker engine at \(socket)")
            return
        }
        let removed = try await docker.removeStaleContainers()
        print("removed \(removed.count) stale emulator container\(removed.count == 1 ? "" : "s")")
    }
}
