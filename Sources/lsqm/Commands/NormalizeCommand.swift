import ArgumentParser
import LSQMPipeline

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

    func run() async throws {
        try emit(try await global.application().normalize(folder: path, out: out), json: json)
    }
}
