import ArgumentParser
import Foundation
import LSQMBasics
import LSQMCore

struct CleanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "clean", abstract: "Remove lsqm's local cache (venvs, terraform plugin cache, HTTP cache).")
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let context = try CommandContext(global)
        let cache = context.cacheDirectory
        guard Files.exists(cache) else {
            print("nothing to clean: \(cache.path) does not exist")
            return
        }
        if global.dryRun {
            print("would remove \(cache.path)")
            return
        }
        do { try FileManager.default.removeItem(at: cache) } catch {
            throw LSQMError(.environment, action: "remove \(cache.path)", cause: LSQMError.describe(error))
        }
        context.logger.info("clean", "removed", "removed \(cache.path)")
    }
}
