import LSQMBasics
import LSQMCloudFormation
import LSQMPluginKit

/// CloudFormation and SAM → Terraform (the translation lives in LSQMCloudFormation, shared with the
/// Serverless normalizer). A template that cannot be translated is a `failed` record, not an error.
public final class CloudFormationNormalizer: NormalizerPlugin {
    public static let name = "CloudFormationNormalizer"
    public static let version = NormalizerVersion.current
    public static let description = "CloudFormation and SAM templates to Terraform (hashicorp/aws only)"
    public static let kinds = CloudFormationTranslator.kinds

    public required init(host: PluginHost, config: JSONValue) throws {}

    public func normalize(_ request: NormalizeRequest) throws -> NormalizeResponse {
        CloudFormationTranslator.normalize(request)
    }
}

@_cdecl("lsqm_plugin_entry")
public func lsqm_plugin_entry() -> UnsafeRawPointer { PluginExport.normalizer(CloudFormationNormalizer.self) }
