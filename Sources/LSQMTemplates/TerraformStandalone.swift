import Foundation

/// The standalone filter for Terraform (FR-069): an architecture must apply on its own in a fresh emulator.
/// It is not standalone when a variable has no default (nobody would give it a value), when it reads remote
/// state, or when it calls modules from places that cannot be fetched anonymously (S3/GCS buckets, a private
/// registry). Registry and git modules are allowed: they are fetchable where the validator has internet.
/// Files are read with LSQMTemplates' HCL reader; only the folder's own `.tf` files count (a bundled module's
/// variables are set by its caller).
public enum TerraformStandalone {
    public static func problem(_ files: [(path: String, content: Data)]) -> String? {
        let configuration = TerraformConfiguration.read(files: files.filter { !$0.path.contains("/") })
        if let remote = configuration.dataSources.first(where: { $0.type == "terraform_remote_state" }) {
            return "not standalone: \(remote.file) reads remote state (terraform_remote_state \"\(remote.name)\")"
        }
        if let variable = configuration.variables.first(where: { !$0.hasDefault }) {
            return "not standalone: variable \"\(variable.name)\" has no default"
        }
        for module in configuration.modules {
            guard let source = module.source else { continue }
            if source.hasPrefix("s3::") || source.hasPrefix("gcs::") || source.contains("app.terraform.io/") {
                return "not standalone: module \"\(module.name)\" comes from \(source), which cannot be fetched anonymously"
            }
        }
        return nil
    }
}
