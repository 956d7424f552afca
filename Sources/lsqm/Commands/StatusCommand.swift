import ArgumentParser
import Foundation
import LSQMBasics
import LSQMCore

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show what the artifact repository holds.")
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let context = try CommandContext(global)
        let store = context.store
        guard store.isInitialized else {
            throw LSQMError(
                .usage, action: "read status of \(store.root.path)", cause: "it is not an lsqm artifact repository yet",
                hint: "run 'lsqm sync' (or 'lsqm mine') first")
        }
        let status = try RepositoryStatus.read(store)
        if json { return try context.printJSON(status) }
        print("artifact repository: \(store.root.path)")
        print(
            "architectures: \(status.architectures) ("
                + status.kinds.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")")
        print("skipped sources: \(status.skipped)")
        print("apps: \(status.apps)")
        print("runs: \(status.runs)" + (status.lastRun.map { ", last \($0)" } ?? ""))
        if !status.unreadableRuns.isEmpty {
            print("unreadable runs (results.json does not parse; report and compare skip them): \(status.unreadableRuns.joined(separator: ", "))")
            print(
                "  restore with: git -C \(store.root.path) checkout -- "
                    + status.unreadableRuns.map { "runs/\($0)/results.json" }.joined(separator: " "))
        }
    }
}
