import Foundation

/// Maps template resource types to AWS service ids.
///
/// A service id is the boto3 client name (`s3`, `cognito-idp`, `apigatewayv2`, `stepfunctions`): the generated
/// tests use boto3, so the id says which client exercises the service, and trends group by it. API Gateway v2
/// (HTTP and WebSocket APIs) is `apigatewayv2`, apart from REST APIs (`apigateway`), because they are different
/// APIs with different emulator coverage. Maintained by hand: add a row when a template names a service that
/// lands on the fallback (the fallback still gives a sensible id, the first word of the type).
public enum AWSServices {
    // MARK: Terraform

    /// `aws_<prefix>` → service, longest prefix wins. Covers the resource types that do not follow
    /// `aws_<service>_…` (EC2's `aws_instance`, ELBv2's `aws_lb`, RDS's `aws_db_instance`) and those whose
    /// service word differs from the boto3 client (`aws_sfn_` → stepfunctions, `aws_cloudwatch_event_` → events).
    static let terraformPrefixes: [String: String] = [
        // Compute and networking (EC2)
        "instance": "ec2", "vpc": "ec2", "subnet": "ec2", "security_group": "ec2", "internet_gateway": "ec2",
        "nat_gateway": "ec2", "route": "ec2", "route_table": "ec2", "main_route_table_association": "ec2", "eip": "ec2",
        "network_interface": "ec2", "network_acl": "ec2", "ami": "ec2", "ebs": "ec2", "key_pair": "ec2",
        "launch_template": "ec2", "default": "ec2", "flow_log": "ec2", "placement_group": "ec2", "spot": "ec2",
        "customer_gateway": "ec2", "vpn": "ec2", "egress_only_internet_gateway": "ec2", "volume_attachment": "ec2",
        "ec2": "ec2", "vpc_endpoint": "ec2", "vpc_ipam": "ec2", "vpc_peering_connection": "ec2", "snapshot_create_volume_permission": "ec2",
        "vpc_lattice": "vpc-lattice", "verifiedaccess": "ec2", "prefix_list": "ec2",
        "lb": "elbv2", "alb": "elbv2", "elb": "elb", "lb_cookie_stickiness_policy": "elb", "load_balancer": "elb", "proxy_protocol_policy": "elb",
        "autoscaling": "autoscaling", "launch_configuration": "autoscaling", "appautoscaling": "application-autoscaling",
        "ecs": "ecs", "ecr": "ecr", "ecrpublic": "ecr-public", "eks": "eks", "batch": "batch", "apprunner": "apprunner",
        "lambda": "lambda", "serverlessapplicationrepository": "serverlessrepo",
        // Storage and databases
        "s3": "s3", "s3control": "s3control", "s3tables": "s3tables", "s3outposts": "s3outposts", "efs": "efs", "fsx": "fsx",
        "dynamodb": "dynamodb", "db": "rds", "rds": "rds", "elasticache": "elasticache", "memorydb": "memorydb", "dax": "dax",
        "docdb": "docdb", "docdbelastic": "docdb-elastic", "neptune": "neptune", "qldb": "qldb", "redshift": "redshift",
        "redshiftserverless": "redshift-serverless", "timestreamwrite": "timestream-write", "dsql": "dsql", "backup": "backup",
        "glacier": "glacier", "storagegateway": "storagegateway",
        // Integration and messaging
        "sqs": "sqs", "sns": "sns", "sfn": "stepfunctions", "cloudwatch_event": "events", "scheduler": "scheduler",
        "pipes": "pipes", "schemas": "schemas", "mq": "mq", "msk": "kafka", "mskconnect": "kafkaconnect",
        "kinesis": "kinesis", "kinesis_stream": "kinesis", "kinesis_firehose": "firehose", "kinesis_analytics": "kinesisanalytics",
        "kinesisanalyticsv2": "kinesisanalyticsv2", "kinesis_video": "kinesisvideo", "appsync": "appsync",
        "api_gateway": "apigateway", "apigatewayv2": "apigatewayv2", "ses": "ses", "sesv2": "sesv2", "pinpoint": "pinpoint",
        "iot": "iot", "swf": "swf",
        // Security and identity
        "iam": "iam", "kms": "kms", "secretsmanager": "secretsmanager", "ssm": "ssm", "acm": "acm", "acmpca": "acm-pca",
        "cognito_user": "cognito-idp", "cognito_user_pool": "cognito-idp", "cognito_user_group": "cognito-idp",
        "cognito_user_in_group": "cognito-idp", "cognito_identity_provider": "cognito-idp", "cognito_resource_server": "cognito-idp",
        "cognito_managed_user_pool_client": "cognito-idp", "cognito_risk_configuration": "cognito-idp",
        "cognito_log_delivery_configuration": "cognito-idp", "cognito_identity_pool": "cognito-identity",
        "wafv2": "wafv2", "waf": "waf", "wafregional": "waf-regional", "shield": "shield", "guardduty": "guardduty",
        "securityhub": "securityhub", "inspector": "inspector", "inspector2": "inspector2", "macie2": "macie2",
        "accessanalyzer": "accessanalyzer", "networkfirewall": "network-firewall", "ssoadmin": "sso-admin",
        "identitystore": "identitystore", "organizations": "organizations", "ram": "ram", "verifiedpermissions": "verifiedpermissions",
        // Management and monitoring
        "cloudwatch": "cloudwatch", "cloudwatch_log": "logs", "cloudwatch_query_definition": "logs", "xray": "xray",
        "cloudtrail": "cloudtrail", "config": "config", "cloudformation": "cloudformation", "synthetics": "synthetics",
        "rum": "rum", "appconfig": "appconfig", "servicecatalog": "servicecatalog", "resourcegroups": "resource-groups",
        "oam": "oam", "grafana": "grafana", "prometheus": "amp", "budgets": "budgets", "ce": "ce", "account": "account",
        // Networking and delivery
        "route53": "route53", "route53_resolver": "route53resolver", "route53domains": "route53domains",
        "cloudfront": "cloudfront", "globalaccelerator": "globalaccelerator", "service_discovery": "servicediscovery",
        "dx": "directconnect", "networkmanager": "networkmanager", "ec2_transit_gateway": "ec2",
        // Analytics, ML, developer tools
        "glue": "glue", "athena": "athena", "emr": "emr", "emrserverless": "emr-serverless", "lakeformation": "lakeformation",
        "opensearch": "opensearch", "opensearchserverless": "opensearchserverless", "elasticsearch": "es", "quicksight": "quicksight",
        "sagemaker": "sagemaker", "bedrock": "bedrock", "bedrockagent": "bedrock-agent", "bedrockagentcore": "bedrock-agentcore",
        "comprehend": "comprehend", "rekognition": "rekognition", "lex": "lex-models", "lexv2models": "lexv2-models",
        "kendra": "kendra", "location": "location", "codebuild": "codebuild", "codecommit": "codecommit",
        "codepipeline": "codepipeline", "codedeploy": "codedeploy", "codeartifact": "codeartifact",
        "codestarconnections": "codestar-connections", "codestarnotifications": "codestar-notifications",
        "amplify": "amplify", "cloud9": "cloud9", "datasync": "datasync", "dms": "dms", "transfer": "transfer",
        "connect": "connect", "chime": "chime", "ivs": "ivs", "media_convert": "mediaconvert", "elastic_beanstalk": "elasticbeanstalk",
        "directory_service": "ds", "workspaces": "workspaces", "appflow": "appflow", "mwaa": "mwaa", "evidently": "evidently",
    ]

    /// Data sources that read account or partition facts, or compute locally (`aws_iam_policy_document`):
    /// using one says nothing about which services an architecture needs.
    static let ambientDataSources: Set<String> = [
        "aws_caller_identity", "aws_region", "aws_regions", "aws_partition", "aws_availability_zones", "aws_availability_zone",
        "aws_iam_policy_document", "aws_default_tags", "aws_arn", "aws_ip_ranges", "aws_billing_service_account",
        "aws_service_principal", "aws_service", "aws_canonical_user_id",
    ]

    /// The service of a Terraform resource or data source type (`aws_sqs_queue` → sqs); nil for other providers.
    public static func terraformService(_ type: String) -> String? {
        let body: Substring
        if type.hasPrefix("aws_") {
            body = type.dropFirst(4)
        } else if type.hasPrefix("awscc_") {
            // The Cloud Control provider names types after CloudFormation: awscc_s3_bucket, awscc_apigatewayv2_api.
            body = type.dropFirst(6)
        } else {
            return nil
        }
        let words = body.split(separator: "_")
        for length in stride(from: words.count, through: 1, by: -1) {
            if let service = terraformPrefixes[words.prefix(length).joined(separator: "_")] { return service }
        }
        return words.first.map(String.init)
    }

    public static func isAmbientDataSource(_ type: String) -> Bool { ambientDataSources.contains(type) }

    // MARK: CloudFormation

    /// CloudFormation service namespaces (`AWS::<namespace>::…`) whose boto3 client name is not the lower-cased namespace.
    static let cloudFormationNamespaces: [String: String] = [
        "ApiGateway": "apigateway", "ApiGatewayV2": "apigatewayv2", "StepFunctions": "stepfunctions", "Events": "events",
        "Logs": "logs", "KinesisFirehose": "firehose", "KinesisAnalytics": "kinesisanalytics", "KinesisAnalyticsV2": "kinesisanalyticsv2",
        "KinesisVideo": "kinesisvideo", "ElasticLoadBalancingV2": "elbv2", "ElasticLoadBalancing": "elb",
        "ApplicationAutoScaling": "application-autoscaling", "AutoScaling": "autoscaling", "CertificateManager": "acm",
        "ACMPCA": "acm-pca", "AmazonMQ": "mq", "MSK": "kafka", "KafkaConnect": "kafkaconnect", "OpenSearchService": "opensearch",
        "OpenSearchServerless": "opensearchserverless", "Elasticsearch": "es", "Timestream": "timestream-write",
        "EventSchemas": "schemas", "Route53Resolver": "route53resolver", "ServiceDiscovery": "servicediscovery",
        "ElasticBeanstalk": "elasticbeanstalk", "DirectoryService": "ds", "SSO": "sso-admin", "NetworkFirewall": "network-firewall",
        "ResourceGroups": "resource-groups", "ECR": "ecr", "Lex": "lexv2-models", "DocDBElastic": "docdb-elastic",
        "EMRServerless": "emr-serverless", "RedshiftServerless": "redshift-serverless", "CodeStarConnections": "codestar-connections",
        "CodeStarNotifications": "codestar-notifications", "WAFRegional": "waf-regional", "IoTAnalytics": "iotanalytics",
        "DataPipeline": "datapipeline", "Serverless": "serverless", "VpcLattice": "vpc-lattice", "APS": "amp",
        "BedrockAgentCore": "bedrock-agentcore", "DSQL": "dsql", "S3Express": "s3", "S3Tables": "s3tables",
    ]

    /// SAM resource types → the services they create (SAM also makes an execution role for functions and
    /// state machines).
    static let samTypes: [String: [String]] = [
        "AWS::Serverless::Function": ["lambda", "iam"],
        "AWS::Serverless::Api": ["apigateway"],
        "AWS::Serverless::HttpApi": ["apigatewayv2"],
        "AWS::Serverless::SimpleTable": ["dynamodb"],
        "AWS::Serverless::StateMachine": ["stepfunctions", "iam"],
        "AWS::Serverless::LayerVersion": ["lambda"],
        "AWS::Serverless::Application": ["cloudformation"],
        "AWS::Serverless::GraphQLApi": ["appsync"],
        "AWS::Serverless::Connector": ["iam"],
    ]

    /// SAM event source types (`Events: {X: {Type: SQS}}` on functions and state machines) → services.
    static let samEventTypes: [String: String] = [
        "S3": "s3", "SNS": "sns", "SQS": "sqs", "Kinesis": "kinesis", "DynamoDB": "dynamodb", "Api": "apigateway",
        "HttpApi": "apigatewayv2", "Schedule": "events", "ScheduleV2": "scheduler", "CloudWatchEvent": "events",
        "EventBridgeRule": "events", "CloudWatchLogs": "logs", "IoTRule": "iot", "Cognito": "cognito-idp",
        "MSK": "kafka", "MQ": "mq", "DocumentDB": "docdb", "AlexaSkill": "alexa",
    ]

    /// The services of a CloudFormation or SAM resource type; empty for custom resources and non-AWS types.
    public static func cloudFormationServices(_ type: String) -> [String] {
        if let sam = samTypes[type] { return sam }
        let parts = type.components(separatedBy: "::")
        guard parts.count >= 3, parts[0] == "AWS" else { return [] }
        let namespace = parts[1]
        if namespace == "Cognito" {
            return [parts[2].hasPrefix("IdentityPool") ? "cognito-identity" : "cognito-idp"]
        }
        return [cloudFormationNamespaces[namespace] ?? namespace.lowercased()]
    }

    public static func samEventService(_ eventType: String) -> String? { samEventTypes[eventType] }

    // MARK: Serverless Framework

    /// Serverless Framework function event keys → services.
    static let serverlessEvents: [String: String] = [
        "http": "apigateway", "httpApi": "apigatewayv2", "websocket": "apigatewayv2", "sqs": "sqs", "sns": "sns", "s3": "s3",
        "schedule": "events", "eventBridge": "events", "cloudwatchEvent": "events", "cloudwatchLog": "logs", "alb": "elbv2",
        "iot": "iot", "iotFleetProvisioning": "iot", "cognitoUserPool": "cognito-idp", "msk": "kafka", "kafka": "kafka",
        "activemq": "mq", "rabbitmq": "mq", "alexaSkill": "alexa", "alexaSmartHome": "alexa", "cloudFront": "cloudfront",
    ]

    /// The service of a Serverless Framework event; `stream` is DynamoDB or Kinesis depending on its source.
    public static func serverlessEventService(_ key: String, describedBy value: String) -> String? {
        if key == "stream" { return value.lowercased().contains("dynamodb") ? "dynamodb" : "kinesis" }
        return serverlessEvents[key]
    }

    // MARK: Modules whose code is not in the architecture

    /// Words in a module's registry address, path or name that name a service, for modules lsqm cannot read
    /// (registry modules, or local ones outside the architecture). `terraform-aws-modules/s3-bucket/aws`,
    /// `module "dynamodb_table"`. A best effort, reported as such.
    static let moduleKeywords: [String: String] = [
        "lambda": "lambda", "s3": "s3", "bucket": "s3", "dynamodb": "dynamodb", "sqs": "sqs", "sns": "sns", "kms": "kms",
        "vpc": "ec2", "ec2": "ec2", "securitygroup": "ec2", "eventbridge": "events", "stepfunction": "stepfunctions",
        "stepfunctions": "stepfunctions", "sfn": "stepfunctions", "statemachine": "stepfunctions", "apigateway": "apigateway",
        "apigatewayv2": "apigatewayv2", "rds": "rds", "aurora": "rds", "ecs": "ecs", "ecr": "ecr", "eks": "eks", "iam": "iam",
        "cloudwatch": "cloudwatch", "cloudfront": "cloudfront", "route53": "route53", "alb": "elbv2", "elb": "elbv2",
        "acm": "acm", "efs": "efs", "appsync": "appsync", "cognito": "cognito-idp", "kinesis": "kinesis", "firehose": "firehose",
        "secretsmanager": "secretsmanager", "ssm": "ssm", "msk": "kafka", "opensearch": "opensearch", "glue": "glue",
        "athena": "athena", "elasticache": "elasticache", "redis": "elasticache", "sagemaker": "sagemaker", "bedrock": "bedrock",
    ]

    /// Services suggested by a module's source and name (`../../terraform-aws-kms`, `kms_complete` → kms).
    public static func moduleServices(source: String?, name: String) -> [String] {
        var words: [String] = []
        for text in [source ?? "", name] {
            let parts = text.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)
            words += parts
            // Adjacent pairs catch split names: step_function, api-gateway, security_group, state_machine.
            words += zip(parts, parts.dropFirst()).map { $0 + $1 }
        }
        return Array(Set(words.compactMap { moduleKeywords[$0] })).sorted()
    }
}
