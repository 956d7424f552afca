// Generated from the AWS provider itself; regenerate when the pinned provider changes:
//   1. `terraform providers schema -json` in a directory that requires hashicorp/aws: every attribute of the
//      provider's `endpoints` block (303 names in 5.100.0);
//   2. `terraform plan -json` with all of them set: the provider warns "Only one of the following attributes
//      should be set" for each group of aliases (s3/s3api, logs/cloudwatchlogs/cloudwatchlog, …); the first
//      name of each group is kept and the aliases dropped.
// Every name here is pointed at the emulator, so no request of any service can reach real AWS.

/// The AWS provider's endpoint names, without aliases (hashicorp/aws 5.100.0: 255 names).
enum AWSEndpointNames {
    static let all: [String] = [
        "accessanalyzer", "account", "acm", "acmpca", "amp", "amplify", "apigateway", "apigatewayv2", "appautoscaling",
        "appconfig", "appfabric", "appflow", "appintegrations", "applicationinsights", "applicationsignals", "appmesh",
        "apprunner", "appstream", "appsync", "athena", "auditmanager", "autoscaling", "autoscalingplans", "backup",
        "batch", "bcmdataexports", "bedrock", "bedrockagent", "billing", "budgets", "ce", "chatbot", "chime",
        "chimesdkmediapipelines", "chimesdkvoice", "cleanrooms", "cloud9", "cloudcontrol", "cloudformation",
        "cloudfront", "cloudfrontkeyvaluestore", "cloudhsmv2", "cloudsearch", "cloudtrail", "cloudwatch",
        "codeartifact", "codebuild", "codecatalyst", "codecommit", "codeconnections", "codeguruprofiler",
        "codegurureviewer", "codepipeline", "codestarconnections", "codestarnotifications", "cognitoidentity",
        "cognitoidp", "comprehend", "computeoptimizer", "configservice", "connect", "connectcases", "controltower",
        "costoptimizationhub", "cur", "customerprofiles", "databrew", "dataexchange", "datapipeline", "datasync",
        "datazone", "dax", "deploy", "detective", "devicefarm", "devopsguru", "directconnect", "dlm", "dms", "docdb",
        "docdbelastic", "drs", "ds", "dsql", "dynamodb", "ec2", "ecr", "ecrpublic", "ecs", "efs", "eks", "elasticache",
        "elasticbeanstalk", "elasticsearch", "elastictranscoder", "elb", "elbv2", "emr", "emrcontainers",
        "emrserverless", "events", "evidently", "evs", "finspace", "firehose", "fis", "fms", "fsx", "gamelift",
        "glacier", "globalaccelerator", "glue", "grafana", "greengrass", "groundstation", "guardduty", "healthlake",
        "iam", "identitystore", "imagebuilder", "inspector", "inspector2", "internetmonitor", "invoicing", "iot",
        "iotanalytics", "iotevents", "ivs", "ivschat", "kafka", "kafkaconnect", "kendra", "keyspaces", "kinesis",
        "kinesisanalytics", "kinesisanalyticsv2", "kinesisvideo", "kms", "lakeformation", "lambda", "launchwizard",
        "lexmodels", "lexv2models", "licensemanager", "lightsail", "location", "logs", "lookoutmetrics", "m2",
        "macie2", "mediaconnect", "mediaconvert", "medialive", "mediapackage", "mediapackagev2", "mediapackagevod",
        "mediastore", "memorydb", "mgn", "mq", "mwaa", "neptune", "neptunegraph", "networkfirewall", "networkmanager",
        "networkmonitor", "notifications", "notificationscontacts", "oam", "opensearch", "opensearchserverless",
        "opsworks", "organizations", "osis", "outposts", "paymentcryptography", "pcaconnectorad", "pcs", "pinpoint",
        "pinpointsmsvoicev2", "pipes", "polly", "pricing", "qbusiness", "qldb", "quicksight", "ram", "rbin", "rds",
        "redshift", "redshiftdata", "redshiftserverless", "rekognition", "resiliencehub", "resourceexplorer2",
        "resourcegroups", "resourcegroupstaggingapi", "rolesanywhere", "route53", "route53domains", "route53profiles",
        "route53recoverycontrolconfig", "route53recoveryreadiness", "route53resolver", "rum", "s3", "s3control",
        "s3outposts", "s3tables", "sagemaker", "scheduler", "schemas", "secretsmanager", "securityhub", "securitylake",
        "serverlessrepo", "servicecatalog", "servicecatalogappregistry", "servicediscovery", "servicequotas", "ses",
        "sesv2", "sfn", "shield", "signer", "simpledb", "sns", "sqs", "ssm", "ssmcontacts", "ssmincidents",
        "ssmquicksetup", "ssmsap", "sso", "ssoadmin", "storagegateway", "sts", "swf", "synthetics", "taxsettings",
        "timestreaminfluxdb", "timestreamquery", "timestreamwrite", "transcribe", "transfer", "verifiedpermissions",
        "vpclattice", "waf", "wafregional", "wafv2", "wellarchitected", "worklink", "workspaces", "workspacesweb",
        "xray",
    ]
}
