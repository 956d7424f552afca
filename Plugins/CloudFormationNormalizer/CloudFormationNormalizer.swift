import LSQMBasics
import LSQMCloudFormation
import LSQMPluginKit

/// CloudFormation, SAM and Serverless Framework services → Terraform (the translation lives in
/// LSQMCloudFormation; a Serverless service is turned into CloudFormation first). One plugin for the three
/// kinds, so the provider tables are linked into one library, not two. A template that cannot be translated
/// is a `failed` record, not an error.
public final class CloudFormationNormalizer: NormalizerPlugin {
    public static let name = "CloudFormationNormalizer"
    public static let version = NormalizerVersion.current
    public static let description = "CloudFormation, SAM and Serverless Framework templates to Terraform (hashicorp/aws only)"
    public static let kinds = CloudFormationTranslator.kinds + ServerlessTranslator.kinds

    public required init(host: PluginHost, config: JSONValue) throws {}

    public func normalize(_ request: NormalizeRequest) throws -> NormalizeResponse {
        ServerlessTranslator.kinds.contains(request.kind) ? ServerlessTranslator.normalize(request) : CloudFormationTranslator.normalize(request)
    }
}

@_cdecl("lsqm_plugin_entry")
public func lsqm_plugin_entry() -> UnsafeRawPointer { PluginExport.normalizer(CloudFormationNormalizer.self) }
