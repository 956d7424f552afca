import LSQMBasics
import LSQMCloudFormation
import LSQMPluginKit

/// Serverless Framework services (serverless.yml, provider aws) → Terraform, through the same translation
/// as CloudFormation and SAM.
public final class ServerlessNormalizer: NormalizerPlugin {
    public static let name = "ServerlessNormalizer"
    public static let version = NormalizerVersion.current
    public static let description = "Serverless Framework services to Terraform (hashicorp/aws only)"
    public static let kinds = ServerlessTranslator.kinds

    public required init(host: PluginHost, config: JSONValue) throws {}

    public func normalize(_ request: NormalizeRequest) throws -> NormalizeResponse {
        ServerlessTranslator.normalize(request)
    }
}

@_cdecl("lsqm_plugin_entry")
public func lsqm_plugin_entry() -> UnsafeRawPointer { PluginExport.normalizer(ServerlessNormalizer.self) }
