import ArgumentParser
import LSQMPipeline

struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync", abstract: "Clone or pull the artifact repository (initialise a new local one).",
        discussion: """
            ARTIFACT_REPO is a new or empty local path (created), an lsqm artifact repository (pulled when it has an \
            origin), a git URL or a local bare repository (cloned into the cache). A git repository that holds \
            anything else is refused unless --init-existing: then lsqm adds its folders (architectures/, apps/, \
            runs/, reports/, trends/) beside the repository's own files, and only ever stages and commits those.
            """)
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Add lsqm's folders to an existing git repository that holds other things.") var initExisting = false
    @Flag(help: "Print the result as JSON.") var json = false

    func run() async throws {
        try emit(try await global.application().sync(initExisting: initExisting), json: json)
    }
}
