import Foundation
import LSQMBasics

/// One AWS provider process serving every terraform command of one validation (apply, destroy), attached
/// through `TF_REATTACH_PROVIDERS` instead of terraform starting the provider itself.
///
/// Why: terraform launches the 600 MB provider once per phase of every command (validate, plan, apply;
/// again for destroy), and each launch costs ~3.5 s of CPU before the first AWS call. Measured on a
/// 2-resource architecture (apply + destroy): 9.3 s of CPU with terraform launching the provider, 4.8 s with
/// one shared process. On 2 cores with four validations in parallel, CPU is what bounds the run.
///
/// Only where it is safe: the process holds one provider configuration at a time, so two configurations
/// of `hashicorp/aws` (aliases, a module's own provider block) would overwrite each other's settings.
/// Anything unexpected (no provider binary, a start failure, no reattach line) means terraform launches the
/// provider as usual: sharing is an optimisation, never a reason for a verdict.
final class SharedProvider: Sendable {
    static let address = "registry.terraform.io/hashicorp/aws"

    let process: SpawnedProcess
    /// The value of `TF_REATTACH_PROVIDERS`.
    let reattachConfiguration: String
    /// The provider's output: the reattach line, then its debug log (`ProviderLogWatch` reads it).
    let log: URL

    private init(process: SpawnedProcess, reattachConfiguration: String, log: URL) {
        self.process = process
        self.reattachConfiguration = reattachConfiguration
        self.log = log
    }

    /// Why the workspace cannot share one provider process, or nil when it can. Reads every `.tf` file in
    /// the initialised workspace (local and downloaded modules included) except lsqm's override file,
    /// which only amends blocks that exist.
    static func ineligibility(in workspace: URL) -> String? {
        var configurations = 0
        for path in Files.regularFiles(under: workspace) where path.hasSuffix(".tf") && !path.hasSuffix(ProviderOverride.overrideFileName) {
            guard let text = try? String(contentsOf: workspace.appendingPathComponent(path), encoding: .utf8) else { continue }
            configurations += ProviderOverride.awsProviderBlocks(in: text).count
        }
        return configurations > 1 ? "\(configurations) configurations of the aws provider" : nil
    }

    /// The provider binary `terraform init` installed into the workspace.
    static func installedBinary(in workspace: URL) -> URL? {
        let root = workspace.appendingPathComponent(".terraform/providers/\(address)", isDirectory: true)
        // <version>/<os_arch>/terraform-provider-aws_v<version>_x5; the platform directory may be a
        // symlink into the shared plugin cache, which regularFiles does not follow.
        let fm = FileManager.default
        for version in (try? fm.contentsOfDirectory(atPath: root.path))?.sorted() ?? [] {
            let versionDir = root.appendingPathComponent(version, isDirectory: true)
            for platform in (try? fm.contentsOfDirectory(atPath: versionDir.path))?.sorted() ?? [] {
                let platformDir = versionDir.appendingPathComponent(platform, isDirectory: true).resolvingSymlinksInPath()
                let binaries = ((try? fm.contentsOfDirectory(atPath: platformDir.path)) ?? []).filter { $0.hasPrefix("terraform-provider-aws") }
                if let binary = binaries.sorted().first { return platformDir.appendingPathComponent(binary) }
            }
        }
        return nil
    }

    /// Starts the provider in its debug (reattach) mode, in its own process group, and waits for the line
    /// that says how to attach. It runs in the terraform workspace, as terraform would start it: relative
    /// paths in the configuration (`filename = "./handler.zip"`) are resolved by the provider. Its unix
    /// socket goes under the workspace environment's TMPDIR; `scratch` holds its log. Both are removed with
    /// the validation.
    static func start(binary: URL, workspace: URL, environment: [String: String], scratch: URL, timeout: Duration) async throws -> SharedProvider {
        try Files.createDirectory(scratch)
        let log = scratch.appendingPathComponent("provider.log")
        var env = environment
        // In debug mode the provider cannot apply a custom CA bundle ("unable to add custom RootCAs
        // HTTPClient, has no WithTransportOptions") and every configure fails; the emulator speaks plain
        // http, so no bundle is needed.
        env["AWS_CA_BUNDLE"] = nil
        // In debug mode the provider logs to its stderr (this log), which ProviderLogWatch reads.
        env["TF_LOG_PATH"] = nil
        let process = try await SpawnedProcess.start(
            executable: binary.path, arguments: [binary.path, "-debug"], environment: env,
            workingDirectory: workspace, output: .logFile(log))
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let configuration = reattachConfiguration(in: LogFile.tail(log, limit: 64 * 1024)) {
                return SharedProvider(process: process, reattachConfiguration: configuration, log: log)
            }
            if process.hasExited { break }
            try? await Task.sleep(for: .milliseconds(50))
        }
        let reason = process.hasExited ? "it exited" : "it timed out"
        process.killGroup()
        _ = await process.wait()
        throw LSQMError(
            .environment, action: "start a shared aws provider",
            cause: "\(reason) before printing TF_REATTACH_PROVIDERS: "
                + LogFile.tail(log, limit: 500).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// The JSON of a `TF_REATTACH_PROVIDERS='…'` line naming the aws provider, if the output has one.
    static func reattachConfiguration(in output: String) -> String? {
        guard let line = output.split(separator: "\n").first(where: { $0.contains("TF_REATTACH_PROVIDERS='") }),
            let start = line.range(of: "TF_REATTACH_PROVIDERS='"),
            let end = line.range(of: "'", options: .backwards), end.lowerBound > start.upperBound
        else { return nil }
        let json = String(line[start.upperBound..<end.lowerBound])
        guard let parsed = try? JSONCoding.decode([String: JSONValue].self, from: Data(json.utf8)), parsed[address] != nil else { return nil }
        return json
    }

    /// Stops the provider and anything it started. Immediate under cancellation.
    func stop() async { await process.stop(grace: .seconds(2)) }
}
