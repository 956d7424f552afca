import Foundation

/// The AWS services the emulator supports (FR-068), by service id (the boto3 client name, as
/// `Architecture.services` spells them). An architecture that uses a service outside the list is skipped with
/// the reason recorded in its metadata (FR-069/070): validating it would only measure a gap everybody knows.
///
/// Maintained by hand from LocalStack's own lists ("LocalStack spins up the following core Cloud APIs" for the
/// community image; the Pro feature-coverage list for licensed images). Add an id when LocalStack adds a
/// service; a deployment can also extend the list in its config (`extra` below) without a release.
public struct SupportedServices: Sendable, Equatable {
    public enum Edition: String, Sendable, Codable { case community, pro }

    /// The community image: the free core APIs.
    public static let community: Set<String> = [
        "acm", "apigateway", "cloudformation", "cloudwatch", "config", "dynamodb", "dynamodbstreams", "ec2", "es", "events",
        "firehose", "iam", "kinesis", "kms", "lambda", "logs", "opensearch", "redshift", "resource-groups",
        "resourcegroupstaggingapi", "route53", "route53resolver", "s3", "s3control", "scheduler", "secretsmanager", "ses",
        "sns", "sqs", "ssm", "stepfunctions", "sts", "support", "swf", "transcribe",
    ]

    /// Added by a licensed (Pro) image.
    public static let proAdditions: Set<String> = [
        "amplify", "apigatewayv2", "appconfig", "application-autoscaling", "appsync", "athena", "autoscaling", "backup", "batch",
        "ce", "cloudfront", "cloudtrail", "codebuild", "codecommit", "codepipeline", "codedeploy", "cognito-identity", "cognito-idp",
        "docdb", "ecr", "ecs", "efs", "eks", "elasticache", "elasticbeanstalk", "elb", "elbv2", "emr", "emr-serverless", "glacier",
        "glue", "iot", "kafka", "kinesisanalytics", "kinesisanalyticsv2", "lakeformation", "mediaconvert", "memorydb", "mq",
        "neptune", "organizations", "pipes", "qldb", "ram", "rds", "redshift-data", "sagemaker", "serverlessrepo",
        "servicediscovery", "sesv2", "shield", "timestream-write", "transfer", "wafv2", "xray",
    ]

    public var edition: Edition
    public var services: Set<String>

    /// The list for an emulator edition, plus ids a deployment added.
    public init(edition: Edition = .community, extra: [String] = []) {
        self.edition = edition
        let base = edition == .pro ? SupportedServices.community.union(SupportedServices.proAdditions) : SupportedServices.community
        services = base.union(extra.map { $0.lowercased() })
    }

    /// The services of `used` the emulator does not support, sorted.
    public func unsupported(_ used: [String]) -> [String] {
        Set(used.map { $0.lowercased() }).subtracting(services).sorted()
    }

    /// Why an architecture using `used` is skipped, or nil when every service is supported.
    public func skipReason(services used: [String]) -> String? {
        let missing = unsupported(used)
        guard !missing.isEmpty else { return nil }
        return "uses \(missing.count == 1 ? "a service" : "services") the \(edition.rawValue) emulator does not support: \(missing.joined(separator: ", "))"
    }
}
