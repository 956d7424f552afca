import Foundation

/// The AWS services an emulator offers, by service id (the boto3 client name, as `Architecture.services`
/// spells them).
///
/// Which services an emulator supports is the emulator's business, decided at validate time: every deployable
/// architecture is indexed, and a validation against an emulator that lacks one of its services is recorded as
/// not run for that emulator, with the reason — not skipped forever, and not FAILED (a gap everybody knows
/// says nothing new). The same architecture runs the day it is validated against an emulator that has them.
///
/// The lists are data: LocalStack's are kept by hand from its own coverage pages ("LocalStack spins up the
/// following core Cloud APIs" for the community image; the Pro feature-coverage list for licensed images);
/// moto's is generated from the installed moto (`scripts/generate-moto-services.py`). A deployment extends a
/// list in its config (`extra`) without a release.
public struct EmulatorServices: Sendable, Equatable {
    /// An emulator whose service list is known.
    public enum Edition: String, Sendable, Codable, CaseIterable {
        /// LocalStack without a license (also LocalStack on the host without an auth token).
        case community
        /// LocalStack with a license.
        case pro
        /// moto (`moto_server`).
        case moto
    }

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
        let base: Set<String> =
            switch edition {
            case .community: EmulatorServices.community
            case .pro: EmulatorServices.community.union(EmulatorServices.proAdditions)
            case .moto: EmulatorServices.motoServices
            }
        services = base.union(extra.map { $0.lowercased() })
    }

    /// The list for what a run validates against: moto by name, LocalStack by edition; nil for an emulator
    /// whose list is unknown (an external URL that is neither), which then runs everything.
    public init?(emulator: EmulatorInfo, extra: [String] = []) {
        switch emulator.name.lowercased() {
        case "moto": self.init(edition: .moto, extra: extra)
        case "localstack": self.init(edition: emulator.edition == "pro" ? .pro : .community, extra: extra)
        default: return nil
        }
    }

    /// How the reasons name the emulator.
    var displayName: String {
        switch edition {
        case .community: "LocalStack community"
        case .pro: "LocalStack Pro"
        case .moto: "moto"
        }
    }

    /// The services of `used` the emulator does not support, sorted.
    public func unsupported(_ used: [String]) -> [String] {
        Set(used.map { $0.lowercased() }).subtracting(services).sorted()
    }

    /// Why an architecture using `used` is not run against this emulator, or nil when every service is offered.
    public func notRunReason(services used: [String]) -> String? {
        let missing = unsupported(used)
        guard !missing.isEmpty else { return nil }
        return "uses \(missing.count == 1 ? "a service" : "services") \(displayName) does not offer: \(missing.joined(separator: ", "))"
    }

    /// Whether an index entry's skip reason is the one `mine` wrote when it still filtered by service
    /// ("uses a service the community emulator does not support: …"): such an architecture is validatable,
    /// and the emulator chosen at validate time decides.
    public static func isLegacySkipReason(_ reason: String) -> Bool {
        reason.hasPrefix("uses a service the ") || reason.hasPrefix("uses services the ")
    }
}
