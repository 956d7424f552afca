import ArgumentParser
import LSQMPipeline

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
        try await global.application().clean { print($0) }
    }
}
