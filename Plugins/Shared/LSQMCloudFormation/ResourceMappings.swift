import Foundation
import LSQMBasics

/// CloudFormation resource type → Terraform. Attribute names and shapes are checked against the generated
/// provider schema (ProviderTables.generated.swift); what is listed here is only what snake-casing cannot guess.
enum ResourceMappings {
    static let table: [String: TypeMapping] = {
        var t: [String: TypeMapping] = [:]
        func add(_ cfn: String, _ mapping: TypeMapping) { t[cfn] = mapping }

        // S3
        add(
            "AWS::S3::Bucket",
            TypeMapping(
                tfType: "aws_s3_bucket", ref: "id",
                getAtt: [
                    "Arn": "arn", "DomainName": "bucket_domain_name", "RegionalDomainName": "bucket_regional_domain_name",
                    "WebsiteURL": "website_endpoint", "DualStackDomainName": "bucket_domain_name",
                ],
                renames: ["BucketName": "bucket", "AccessControl": "", "OwnershipControls": ""], custom: S3Mappings.bucket))
        add("AWS::S3::BucketPolicy", TypeMapping(tfType: "aws_s3_bucket_policy", renames: ["PolicyDocument": "policy"]))

        // SQS, SNS
        add(
            "AWS::SQS::Queue",
            TypeMapping(
                tfType: "aws_sqs_queue", ref: "id", getAtt: ["Arn": "arn", "QueueName": "name", "QueueUrl": "url"],
                renames: [
                    "QueueName": "name", "VisibilityTimeout": "visibility_timeout_seconds", "MessageRetentionPeriod": "message_retention_seconds",
                    "MaximumMessageSize": "max_message_size", "ReceiveMessageWaitTimeSeconds": "receive_wait_time_seconds",
                ]))
        add(
            "AWS::SQS::QueuePolicy",
            TypeMapping(
                tfType: "aws_sqs_queue_policy", renames: ["PolicyDocument": "policy"],
                custom: { e in
                    if let queues = e.take("Queues") { e.set("queue_url", firstOf(queues, e, "Queues")) }
                }))
        add(
            "AWS::SNS::Topic",
            TypeMapping(
                tfType: "aws_sns_topic", ref: "arn", getAtt: ["TopicArn": "arn", "TopicName": "name"],
                renames: ["TopicName": "name", "KmsMasterKeyId": "kms_master_key_id"],
                custom: { e in
                    guard let subscriptions = e.take("Subscription")?.arrayValue else { return }
                    for (i, subscription) in subscriptions.enumerated() {
                        var properties = subscription.objectValue ?? [:]
                        properties["TopicArn"] = nil
                        e.addResource("aws_sns_topic_subscription", "subscription\(i)", properties, preset: ["topic_arn": e.selfRef("arn")])
                    }
                }))
        add("AWS::SNS::Subscription", TypeMapping(tfType: "aws_sns_topic_subscription", ref: "arn"))
        add(
            "AWS::SNS::TopicPolicy",
            TypeMapping(
                tfType: "aws_sns_topic_policy", renames: ["PolicyDocument": "policy"],
                custom: { e in
                    if let topics = e.take("Topics") { e.set("arn", firstOf(topics, e, "Topics")) }
                }))

        // DynamoDB
        add(
            "AWS::DynamoDB::Table",
            TypeMapping(
                tfType: "aws_dynamodb_table", ref: "id", getAtt: ["Arn": "arn", "StreamArn": "stream_arn"],
                renames: DataMappings.dynamoRenames.merging(["TableName": "name"]) { a, _ in a }, custom: DataMappings.dynamoTable))

        // Lambda
        add(
            "AWS::Lambda::Function",
            TypeMapping(
                tfType: "aws_lambda_function", ref: "function_name", getAtt: ["Arn": "arn"],
                renames: ["TracingConfig": "tracing_config", "FunctionName": "function_name"], custom: LambdaMappings.function))
        add(
            "AWS::Lambda::Permission",
            TypeMapping(tfType: "aws_lambda_permission", renames: ["FunctionName": "function_name"], custom: ApiMappings.permission))
        add(
            "AWS::Lambda::EventSourceMapping",
            TypeMapping(
                tfType: "aws_lambda_event_source_mapping", ref: "uuid",
                renames: ["FilterCriteria.Filters": "filter"]))
        add(
            "AWS::Lambda::LayerVersion",
            TypeMapping(
                tfType: "aws_lambda_layer_version", ref: "arn", getAtt: ["LayerVersionArn": "arn"],
                custom: LambdaMappings.layer))
        add(
            "AWS::Lambda::Url",
            TypeMapping(
                tfType: "aws_lambda_function_url", ref: "function_url", getAtt: ["FunctionUrl": "function_url", "FunctionArn": "function_arn"],
                renames: ["TargetFunctionArn": "function_name", "AuthType": "authorization_type"]))
        add("AWS::Lambda::Alias", TypeMapping(tfType: "aws_lambda_alias", ref: "arn", getAtt: ["AliasArn": "arn"]))
        add(
            "AWS::Lambda::Version",
            TypeMapping(
                tfType: "aws_lambda_function", ref: "qualified_arn",
                getAtt: ["Version": "version", "FunctionArn": "arn"], custom: LambdaMappings.version))

        // IAM
        add(
            "AWS::IAM::Role",
            TypeMapping(
                tfType: "aws_iam_role", ref: "name", getAtt: ["Arn": "arn", "RoleId": "unique_id"],
                renames: ["RoleName": "name", "AssumeRolePolicyDocument": "assume_role_policy", "PermissionsBoundary": "permissions_boundary"],
                custom: IAMMappings.role))
        add("AWS::IAM::Policy", TypeMapping(tfType: "aws_iam_role_policy", custom: IAMMappings.inlinePolicy))
        add(
            "AWS::IAM::RolePolicy",
            TypeMapping(tfType: "aws_iam_role_policy", renames: ["PolicyName": "name", "PolicyDocument": "policy", "RoleName": "role"]))
        add(
            "AWS::IAM::ManagedPolicy",
            TypeMapping(
                tfType: "aws_iam_policy", ref: "arn", getAtt: ["PolicyArn": "arn"],
                renames: ["ManagedPolicyName": "name", "PolicyDocument": "policy"], custom: IAMMappings.managedPolicy))
        add(
            "AWS::IAM::InstanceProfile",
            TypeMapping(
                tfType: "aws_iam_instance_profile", ref: "name", getAtt: ["Arn": "arn"],
                renames: ["InstanceProfileName": "name"],
                custom: { e in if let roles = e.take("Roles") { e.set("role", firstOf(roles, e, "Roles")) } }))
        add(
            "AWS::IAM::User",
            TypeMapping(
                tfType: "aws_iam_user", ref: "name", getAtt: ["Arn": "arn"],
                renames: ["UserName": "name", "Policies": "", "ManagedPolicyArns": "", "Groups": "", "LoginProfile": ""]))
        add(
            "AWS::IAM::Group",
            TypeMapping(
                tfType: "aws_iam_group", ref: "name", getAtt: ["Arn": "arn"], renames: ["GroupName": "name", "Policies": "", "ManagedPolicyArns": ""])
        )
        add(
            "AWS::IAM::AccessKey",
            TypeMapping(tfType: "aws_iam_access_key", ref: "id", getAtt: ["SecretAccessKey": "secret"], renames: ["UserName": "user"]))

        // Logs
        add(
            "AWS::Logs::LogGroup",
            TypeMapping(
                tfType: "aws_cloudwatch_log_group", ref: "name", getAtt: ["Arn": "arn"],
                renames: ["LogGroupName": "name", "KmsKeyId": "kms_key_id", "DataProtectionPolicy": ""]))
        add(
            "AWS::Logs::SubscriptionFilter",
            TypeMapping(
                tfType: "aws_cloudwatch_log_subscription_filter",
                renames: ["FilterName": "name"]))
        add(
            "AWS::Logs::MetricFilter",
            TypeMapping(
                tfType: "aws_cloudwatch_log_metric_filter",
                renames: [
                    "FilterName": "name",
                    "MetricTransformations": "metric_transformation",
                ]))

        // EventBridge and Scheduler
        add(
            "AWS::Events::Rule",
            TypeMapping(
                tfType: "aws_cloudwatch_event_rule", ref: "name", getAtt: ["Arn": "arn"],
                renames: EventMappings.targetRenames, custom: EventMappings.rule))
        add("AWS::Events::EventBus", TypeMapping(tfType: "aws_cloudwatch_event_bus", ref: "name", getAtt: ["Arn": "arn", "Name": "name"]))
        add(
            "AWS::Events::EventBusPolicy",
            TypeMapping(
                tfType: "aws_cloudwatch_event_bus_policy", renames: ["Statement": "", "StatementId": ""],
                custom: { e in
                    if let statement = e.take("Statement") { e.set("policy", json: ["Version": "2012-10-17", "Statement": [statement]]) }
                }))
        add(
            "AWS::Events::Connection",
            TypeMapping(
                tfType: "aws_cloudwatch_event_connection", ref: "name", getAtt: ["Arn": "arn", "SecretArn": "secret_arn"],
                renames: [
                    "AuthParameters": "auth_parameters", "AuthParameters.ApiKeyAuthParameters": "api_key",
                    "AuthParameters.BasicAuthParameters": "basic",
                    "AuthParameters.OAuthParameters": "oauth", "AuthParameters.ApiKeyAuthParameters.ApiKeyName": "key",
                    "AuthParameters.ApiKeyAuthParameters.ApiKeyValue": "value",
                ]))
        add(
            "AWS::Events::ApiDestination",
            TypeMapping(
                tfType: "aws_cloudwatch_event_api_destination", ref: "name", getAtt: ["Arn": "arn"],
                renames: ["InvocationRateLimitPerSecond": "invocation_rate_limit_per_second"]))
        add(
            "AWS::Events::Archive",
            TypeMapping(
                tfType: "aws_cloudwatch_event_archive", ref: "name", getAtt: ["Arn": "arn"],
                renames: ["ArchiveName": "name", "SourceArn": "event_source_arn", "RetentionDays": "retention_days"]))
        add("AWS::Scheduler::Schedule", TypeMapping(tfType: "aws_scheduler_schedule", ref: "name", getAtt: ["Arn": "arn"]))
        add("AWS::Scheduler::ScheduleGroup", TypeMapping(tfType: "aws_scheduler_schedule_group", ref: "name", getAtt: ["Arn": "arn"]))
        add(
            "AWS::Pipes::Pipe",
            TypeMapping(
                tfType: "aws_pipes_pipe", ref: "name", getAtt: ["Arn": "arn"],
                renames: ["SourceParameters": "", "TargetParameters": "", "EnrichmentParameters": ""]))

        // Step Functions
        add(
            "AWS::StepFunctions::StateMachine",
            TypeMapping(
                tfType: "aws_sfn_state_machine", ref: "arn", getAtt: ["Arn": "arn", "Name": "name"],
                renames: ["StateMachineName": "name", "StateMachineType": "type"], custom: EventMappings.stateMachine))
        add("AWS::StepFunctions::Activity", TypeMapping(tfType: "aws_sfn_activity", ref: "id", getAtt: ["Name": "name"]))

        // API Gateway v1
        add(
            "AWS::ApiGateway::RestApi",
            TypeMapping(
                tfType: "aws_api_gateway_rest_api", ref: "id", getAtt: ["RootResourceId": "root_resource_id", "RestApiId": "id"],
                renames: ["BodyS3Location": "", "Parameters": "parameters", "ApiKeySourceType": "api_key_source"],
                custom: { e in if let body = e.take("Body") { e.set("body", json: body) } }))
        add("AWS::ApiGateway::Resource", TypeMapping(tfType: "aws_api_gateway_resource", ref: "id", getAtt: ["ResourceId": "id"]))
        add(
            "AWS::ApiGateway::Method",
            TypeMapping(
                tfType: "aws_api_gateway_method", ref: "id",
                renames: ApiMappings.integrationRenames.merging(["AuthorizationType": "authorization"]) { a, _ in a }, custom: ApiMappings.method))
        add(
            "AWS::ApiGateway::Deployment",
            TypeMapping(
                tfType: "aws_api_gateway_deployment", ref: "id", getAtt: ["DeploymentId": "id"],
                custom: ApiMappings.deployment))
        add(
            "AWS::ApiGateway::Stage",
            TypeMapping(
                tfType: "aws_api_gateway_stage", ref: "stage_name",
                renames: ["MethodSettings": "", "TracingEnabled": "xray_tracing_enabled", "AccessLogSetting": "access_log_settings"]))
        add(
            "AWS::ApiGateway::Authorizer",
            TypeMapping(
                tfType: "aws_api_gateway_authorizer", ref: "id", getAtt: ["AuthorizerId": "id"],
                renames: [
                    "AuthorizerUri": "authorizer_uri", "ProviderARNs": "provider_arns",
                    "AuthorizerResultTtlInSeconds": "authorizer_result_ttl_in_seconds",
                ]))
        add(
            "AWS::ApiGateway::ApiKey",
            TypeMapping(tfType: "aws_api_gateway_api_key", ref: "id", getAtt: ["APIKeyId": "id"], renames: ["StageKeys": ""]))
        add(
            "AWS::ApiGateway::UsagePlan",
            TypeMapping(
                tfType: "aws_api_gateway_usage_plan", ref: "id",
                renames: ["UsagePlanName": "name", "Quota": "quota_settings", "Throttle": "throttle_settings"],
                custom: ApiMappings.usagePlan))
        add("AWS::ApiGateway::UsagePlanKey", TypeMapping(tfType: "aws_api_gateway_usage_plan_key", ref: "id"))
        add(
            "AWS::ApiGateway::Model",
            TypeMapping(
                tfType: "aws_api_gateway_model", ref: "name", custom: { e in if let schema = e.take("Schema") { e.set("schema", json: schema) } }))
        add(
            "AWS::ApiGateway::RequestValidator",
            TypeMapping(tfType: "aws_api_gateway_request_validator", ref: "id", getAtt: ["RequestValidatorId": "id"]))
        add(
            "AWS::ApiGateway::Account",
            TypeMapping(tfType: "aws_api_gateway_account", ref: "id", renames: ["CloudWatchRoleArn": "cloudwatch_role_arn"]))
        add("AWS::ApiGateway::VpcLink", TypeMapping(tfType: "aws_api_gateway_vpc_link", ref: "id"))
        add("AWS::ApiGateway::DomainName", TypeMapping(tfType: "aws_api_gateway_domain_name", ref: "domain_name"))
        add(
            "AWS::ApiGateway::BasePathMapping",
            TypeMapping(
                tfType: "aws_api_gateway_base_path_mapping", renames: ["RestApiId": "api_id", "Stage": "stage_name", "DomainName": "domain_name"]))

        // API Gateway v2
        add(
            "AWS::ApiGatewayV2::Api",
            TypeMapping(
                tfType: "aws_apigatewayv2_api", ref: "id", getAtt: ["ApiEndpoint": "api_endpoint", "ApiId": "id"],
                renames: ["BodyS3Location": "", "CorsConfiguration": "cors_configuration"],
                custom: { e in if let body = e.take("Body") { e.set("body", json: body) } }))
        add(
            "AWS::ApiGatewayV2::Stage",
            TypeMapping(tfType: "aws_apigatewayv2_stage", ref: "id", renames: ["StageName": "name", "AccessLogSettings": "access_log_settings"]))
        add("AWS::ApiGatewayV2::Integration", TypeMapping(tfType: "aws_apigatewayv2_integration", ref: "id"))
        add("AWS::ApiGatewayV2::Route", TypeMapping(tfType: "aws_apigatewayv2_route", ref: "id"))
        add("AWS::ApiGatewayV2::Deployment", TypeMapping(tfType: "aws_apigatewayv2_deployment", ref: "id", renames: ["StageName": ""]))
        add(
            "AWS::ApiGatewayV2::Authorizer",
            TypeMapping(tfType: "aws_apigatewayv2_authorizer", ref: "id", renames: ["JwtConfiguration": "jwt_configuration"]))
        add("AWS::ApiGatewayV2::ApiMapping", TypeMapping(tfType: "aws_apigatewayv2_api_mapping", ref: "id", renames: ["Stage": "stage"]))
        add("AWS::ApiGatewayV2::DomainName", TypeMapping(tfType: "aws_apigatewayv2_domain_name", ref: "id"))
        add("AWS::ApiGatewayV2::VpcLink", TypeMapping(tfType: "aws_apigatewayv2_vpc_link", ref: "id"))

        // KMS, Secrets Manager, SSM
        add(
            "AWS::KMS::Key",
            TypeMapping(
                tfType: "aws_kms_key", ref: "key_id", getAtt: ["Arn": "arn", "KeyId": "key_id"],
                renames: [
                    "KeyPolicy": "policy", "KeySpec": "customer_master_key_spec", "PendingWindowInDays": "deletion_window_in_days",
                    "Enabled": "is_enabled",
                ]))
        add("AWS::KMS::Alias", TypeMapping(tfType: "aws_kms_alias", ref: "name", renames: ["AliasName": "name"]))
        add(
            "AWS::SecretsManager::Secret",
            TypeMapping(tfType: "aws_secretsmanager_secret", ref: "arn", getAtt: ["Id": "id"], custom: DataMappings.secret))
        add(
            "AWS::SSM::Parameter",
            TypeMapping(
                tfType: "aws_ssm_parameter", ref: "name", getAtt: ["Value": "value", "Type": "type"],
                custom: { e in
                    if e.properties["Type"] == nil { e.set("type", json: "String") }
                }))

        // Kinesis, Firehose
        add(
            "AWS::Kinesis::Stream",
            TypeMapping(
                tfType: "aws_kinesis_stream", ref: "name", getAtt: ["Arn": "arn"],
                renames: ["RetentionPeriodHours": "retention_period", "StreamEncryption": ""],
                custom: { e in
                    if e.properties["ShardCount"] == nil && e.properties["StreamModeDetails"] == nil { e.set("shard_count", json: 1) }
                }))
        add(
            "AWS::Kinesis::StreamConsumer",
            TypeMapping(tfType: "aws_kinesis_stream_consumer", ref: "arn", getAtt: ["ConsumerARN": "arn"], renames: ["ConsumerName": "name"]))
        add(
            "AWS::KinesisFirehose::DeliveryStream",
            TypeMapping(
                tfType: "aws_kinesis_firehose_delivery_stream", ref: "name", getAtt: ["Arn": "arn"],
                renames: ["DeliveryStreamName": "name", "DeliveryStreamType": ""], custom: DataMappings.firehose))

        // EC2 networking
        add(
            "AWS::EC2::VPC",
            TypeMapping(
                tfType: "aws_vpc", ref: "id", getAtt: ["CidrBlock": "cidr_block", "DefaultSecurityGroup": "default_security_group_id", "VpcId": "id"])
        )
        add("AWS::EC2::Subnet", TypeMapping(tfType: "aws_subnet", ref: "id", getAtt: ["SubnetId": "id", "AvailabilityZone": "availability_zone"]))
        add(
            "AWS::EC2::SecurityGroup",
            TypeMapping(
                tfType: "aws_security_group", ref: "id", getAtt: ["GroupId": "id", "VpcId": "vpc_id"],
                renames: ["GroupDescription": "description", "GroupName": "name"], custom: NetworkMappings.securityGroup))
        add(
            "AWS::EC2::SecurityGroupIngress",
            TypeMapping(tfType: "aws_security_group_rule", custom: { e in NetworkMappings.securityGroupRule(e, "ingress") }))
        add(
            "AWS::EC2::SecurityGroupEgress",
            TypeMapping(tfType: "aws_security_group_rule", custom: { e in NetworkMappings.securityGroupRule(e, "egress") }))
        add("AWS::EC2::InternetGateway", TypeMapping(tfType: "aws_internet_gateway", ref: "id", getAtt: ["InternetGatewayId": "id"]))
        add("AWS::EC2::VPCGatewayAttachment", TypeMapping(tfType: "aws_internet_gateway_attachment", ref: "id", renames: ["VpnGatewayId": ""]))
        add("AWS::EC2::NatGateway", TypeMapping(tfType: "aws_nat_gateway", ref: "id"))
        add("AWS::EC2::RouteTable", TypeMapping(tfType: "aws_route_table", ref: "id"))
        add("AWS::EC2::Route", TypeMapping(tfType: "aws_route", ref: "id"))
        add("AWS::EC2::SubnetRouteTableAssociation", TypeMapping(tfType: "aws_route_table_association", ref: "id"))
        add(
            "AWS::EC2::EIP",
            TypeMapping(
                tfType: "aws_eip", ref: "public_ip", getAtt: ["AllocationId": "allocation_id", "PublicIp": "public_ip"],
                renames: ["InstanceId": "instance"]))
        add(
            "AWS::EC2::EIPAssociation",
            TypeMapping(tfType: "aws_eip_association", ref: "id", renames: ["EIP": "public_ip", "AllocationId": "allocation_id"]))
        add("AWS::EC2::VPCEndpoint", TypeMapping(tfType: "aws_vpc_endpoint", ref: "id", renames: ["PolicyDocument": "policy"]))
        add(
            "AWS::EC2::Instance",
            TypeMapping(
                tfType: "aws_instance", ref: "id",
                getAtt: [
                    "PublicIp": "public_ip", "PrivateIp": "private_ip", "PublicDnsName": "public_dns", "PrivateDnsName": "private_dns",
                    "AvailabilityZone": "availability_zone",
                ],
                renames: [
                    "ImageId": "ami", "SecurityGroupIds": "vpc_security_group_ids", "SecurityGroups": "security_groups",
                    "UserData": "user_data_base64",
                    "IamInstanceProfile": "iam_instance_profile", "BlockDeviceMappings": "", "NetworkInterfaces": "", "LaunchTemplate": "",
                ]))
        add(
            "AWS::EC2::KeyPair",
            TypeMapping(
                tfType: "aws_key_pair", ref: "key_name", getAtt: ["KeyPairId": "key_pair_id", "KeyFingerprint": "fingerprint"],
                renames: ["PublicKeyMaterial": "public_key", "KeyType": "", "KeyFormat": ""],
                custom: { e in
                    // Without key material AWS generates the pair; Terraform can only import one: the fixed prerequisite key.
                    guard e.properties["PublicKeyMaterial"] == nil else { return }
                    e.attributes["public_key"] = .string(Prerequisites.publicKey)
                    e.context.prerequisites.record(
                        "\(e.plan.logicalID).PublicKeyMaterial", Prerequisites.publicKey,
                        "AWS would generate the key pair; a fixed public key is imported instead")
                }))

        // Containers
        add(
            "AWS::ECS::Cluster",
            TypeMapping(
                tfType: "aws_ecs_cluster", ref: "name", getAtt: ["Arn": "arn"],
                renames: [
                    "ClusterName": "name", "ClusterSettings": "setting", "CapacityProviders": "", "DefaultCapacityProviderStrategy": "",
                    "Configuration": "",
                ]))
        add(
            "AWS::ECS::TaskDefinition",
            TypeMapping(
                tfType: "aws_ecs_task_definition", ref: "arn", getAtt: ["TaskDefinitionArn": "arn"],
                custom: ContainerMappings.taskDefinition))
        add(
            "AWS::ECS::Service",
            TypeMapping(
                tfType: "aws_ecs_service", ref: "id", getAtt: ["Name": "name", "ServiceArn": "id"],
                custom: ContainerMappings.service))
        add(
            "AWS::ECR::Repository",
            TypeMapping(
                tfType: "aws_ecr_repository", ref: "name", getAtt: ["Arn": "arn", "RepositoryUri": "repository_url"],
                renames: ["RepositoryName": "name", "RepositoryPolicyText": "", "LifecyclePolicy": "", "EmptyOnDelete": "force_delete"]))

        // Monitoring
        add(
            "AWS::CloudWatch::Alarm",
            TypeMapping(
                tfType: "aws_cloudwatch_metric_alarm", ref: "alarm_name", getAtt: ["Arn": "arn"],
                renames: ["AlarmName": "alarm_name", "Metrics": "metric_query"]))
        add(
            "AWS::CloudWatch::Dashboard",
            TypeMapping(tfType: "aws_cloudwatch_dashboard", ref: "dashboard_name", renames: ["DashboardBody": "dashboard_body"]))

        // Cognito
        add(
            "AWS::Cognito::UserPool",
            TypeMapping(
                tfType: "aws_cognito_user_pool", ref: "id",
                getAtt: ["Arn": "arn", "ProviderName": "endpoint", "ProviderURL": "endpoint", "UserPoolId": "id"],
                renames: [
                    "UserPoolName": "name", "Schema": "schema", "Policies": "", "LambdaConfig": "", "AdminCreateUserConfig": "",
                    "AccountRecoverySetting": "",
                    "UsernameConfiguration": "", "VerificationMessageTemplate": "", "EmailConfiguration": "", "UserPoolAddOns": "",
                ]))
        add(
            "AWS::Cognito::UserPoolClient",
            TypeMapping(
                tfType: "aws_cognito_user_pool_client", ref: "id", getAtt: ["ClientSecret": "client_secret"],
                renames: [
                    "ClientName": "name", "AllowedOAuthFlows": "allowed_oauth_flows", "AllowedOAuthScopes": "allowed_oauth_scopes",
                    "AllowedOAuthFlowsUserPoolClient": "allowed_oauth_flows_user_pool_client", "CallbackURLs": "callback_urls",
                    "LogoutURLs": "logout_urls", "TokenValidityUnits": "",
                ]))
        add("AWS::Cognito::UserPoolDomain", TypeMapping(tfType: "aws_cognito_user_pool_domain", ref: "domain"))
        add(
            "AWS::Cognito::IdentityPool",
            TypeMapping(
                tfType: "aws_cognito_identity_pool", ref: "id",
                renames: ["CognitoIdentityProviders": "cognito_identity_providers"]))
        add("AWS::Cognito::UserPoolGroup", TypeMapping(tfType: "aws_cognito_user_group", ref: "name", renames: ["GroupName": "name"]))

        // AppSync
        add(
            "AWS::AppSync::GraphQLApi",
            TypeMapping(
                tfType: "aws_appsync_graphql_api", ref: "arn", getAtt: ["ApiId": "id", "Arn": "arn", "GraphQLUrl": "uris"],
                renames: ["LogConfig": "log_config", "AdditionalAuthenticationProviders": "additional_authentication_provider"]))
        add(
            "AWS::AppSync::DataSource",
            TypeMapping(
                tfType: "aws_appsync_datasource", ref: "arn", getAtt: ["DataSourceArn": "arn", "Name": "name"],
                renames: [
                    "DynamoDBConfig": "dynamodb_config", "DynamoDBConfig.AwsRegion": "region", "LambdaConfig.LambdaFunctionArn": "function_arn",
                    "HttpConfig": "http_config",
                ]))
        add(
            "AWS::AppSync::Resolver",
            TypeMapping(
                tfType: "aws_appsync_resolver", ref: "arn",
                renames: [
                    "TypeName": "type", "FieldName": "field", "DataSourceName": "data_source", "RequestMappingTemplate": "request_template",
                    "ResponseMappingTemplate": "response_template",
                    "RequestMappingTemplateS3Location": "", "ResponseMappingTemplateS3Location": "",
                ], custom: appSyncCode))
        add(
            "AWS::AppSync::GraphQLSchema",
            TypeMapping(
                tfType: "aws_appsync_graphql_api",
                custom: { e in
                    // Folded into its API's `schema` before translation (TemplateTranslation.foldGraphQLSchemas).
                    e.emitPrimary = false
                    if e.plan.redirect == nil {
                        e.context.unsupported(e.plan.logicalID, e.plan.cfnType, "the schema's API is not in this template or the schema is in S3")
                    } else if e.properties["Definition"] == nil {
                        e.context.warn("the GraphQL schema is in S3 (DefinitionS3Location), which lsqm cannot read: the API has no schema")
                    }
                }))
        add("AWS::AppSync::ApiKey", TypeMapping(tfType: "aws_appsync_api_key", ref: "id", getAtt: ["ApiKey": "key"], renames: ["Expires": ""]))
        add(
            "AWS::AppSync::FunctionConfiguration",
            TypeMapping(
                tfType: "aws_appsync_function", ref: "arn", getAtt: ["FunctionId": "function_id"],
                renames: [
                    "DataSourceName": "data_source", "RequestMappingTemplate": "request_mapping_template",
                    "ResponseMappingTemplate": "response_mapping_template",
                ],
                custom: appSyncCode))

        // DNS and CDN
        add(
            "AWS::Route53::RecordSet",
            TypeMapping(
                tfType: "aws_route53_record", ref: "fqdn",
                renames: [
                    "HostedZoneId": "zone_id", "ResourceRecords": "records", "TTL": "ttl", "AliasTarget.DNSName": "name",
                    "AliasTarget.HostedZoneId": "zone_id",
                    "AliasTarget.EvaluateTargetHealth": "evaluate_target_health", "AliasTarget": "alias", "HostedZoneName": "",
                ],
                custom: { e in
                    // Terraform wants records and ttl together, and no ttl on an alias.
                    if e.properties["ResourceRecords"] != nil && e.properties["TTL"] == nil { e.properties["TTL"] = "300" }
                    if e.properties["AliasTarget"] != nil, e.take("TTL") != nil {
                        e.context.warn("TTL of an alias record is ignored, as Route 53 does")
                    }
                }))
        add(
            "AWS::Route53::HostedZone",
            TypeMapping(
                tfType: "aws_route53_zone", ref: "zone_id", getAtt: ["NameServers": "name_servers", "Id": "zone_id"],
                renames: ["HostedZoneConfig": "", "VPCs": "", "HostedZoneTags": ""]))
        add(
            "AWS::CloudFront::Distribution",
            TypeMapping(
                tfType: "aws_cloudfront_distribution", ref: "id", getAtt: ["DomainName": "domain_name", "Id": "id"],
                renames: CDNMappings.renames, custom: CDNMappings.distribution))
        add(
            "AWS::CloudFront::OriginAccessControl",
            TypeMapping(
                tfType: "aws_cloudfront_origin_access_control", ref: "id",
                custom: { e in
                    if let config = e.take("OriginAccessControlConfig")?.objectValue { for (k, v) in config { e.properties[k] = v } }
                }))
        add(
            "AWS::CloudFront::CloudFrontOriginAccessIdentity",
            TypeMapping(
                tfType: "aws_cloudfront_origin_access_identity", ref: "id",
                getAtt: ["S3CanonicalUserId": "s3_canonical_user_id"],
                custom: { e in
                    if let config = e.take("CloudFrontOriginAccessIdentityConfig")?.objectValue, let comment = config["Comment"] {
                        e.set("comment", json: comment)
                    }
                }))

        // Load balancing
        add(
            "AWS::ElasticLoadBalancingV2::LoadBalancer",
            TypeMapping(
                tfType: "aws_lb", ref: "arn", getAtt: ["DNSName": "dns_name", "LoadBalancerArn": "arn", "CanonicalHostedZoneID": "zone_id"],
                renames: ["Type": "load_balancer_type", "Scheme": "", "LoadBalancerAttributes": "", "SubnetMappings": "subnet_mapping"],
                custom: { e in
                    if let scheme = e.take("Scheme") { e.attributes["internal"] = .binary("==", e.value(scheme).expr, .string("internal")) }
                }))
        add(
            "AWS::ElasticLoadBalancingV2::TargetGroup",
            TypeMapping(
                tfType: "aws_lb_target_group", ref: "arn", getAtt: ["TargetGroupArn": "arn"],
                renames: [
                    "HealthCheckPath": "", "HealthCheckIntervalSeconds": "", "HealthCheckTimeoutSeconds": "", "HealthyThresholdCount": "",
                    "UnhealthyThresholdCount": "",
                    "HealthCheckProtocol": "", "HealthCheckPort": "", "HealthCheckEnabled": "", "Matcher": "", "TargetGroupAttributes": "",
                    "Targets": "",
                ]))
        add(
            "AWS::ElasticLoadBalancingV2::Listener",
            TypeMapping(
                tfType: "aws_lb_listener", ref: "arn", getAtt: ["ListenerArn": "arn"],
                renames: ["DefaultActions": "default_action", "Certificates": ""]))
        add(
            "AWS::ElasticLoadBalancingV2::ListenerRule",
            TypeMapping(tfType: "aws_lb_listener_rule", ref: "arn", renames: ["Actions": "action", "Conditions": ""]))

        // Storage and other
        add(
            "AWS::EFS::FileSystem",
            TypeMapping(
                tfType: "aws_efs_file_system", ref: "id", getAtt: ["Arn": "arn", "FileSystemId": "id"],
                renames: ["FileSystemTags": "tags", "LifecyclePolicies": "lifecycle_policy", "BackupPolicy": "", "FileSystemPolicy": ""]))
        add("AWS::EFS::MountTarget", TypeMapping(tfType: "aws_efs_mount_target", ref: "id", renames: ["SecurityGroups": "security_groups"]))
        add(
            "AWS::EFS::AccessPoint",
            TypeMapping(tfType: "aws_efs_access_point", ref: "id", getAtt: ["Arn": "arn"], renames: ["AccessPointTags": "tags"]))
        add(
            "AWS::RDS::DBSubnetGroup",
            TypeMapping(
                tfType: "aws_db_subnet_group", ref: "name", renames: ["DBSubnetGroupName": "name", "DBSubnetGroupDescription": "description"]))
        add(
            "AWS::CodeCommit::Repository",
            TypeMapping(
                tfType: "aws_codecommit_repository", ref: "repository_id",
                getAtt: ["Arn": "arn", "CloneUrlHttp": "clone_url_http", "Name": "repository_name"],
                renames: ["RepositoryName": "repository_name", "RepositoryDescription": "description", "Code": "", "Triggers": ""]))
        add("AWS::CertificateManager::Certificate", TypeMapping(tfType: "aws_acm_certificate", ref: "arn", renames: ["DomainValidationOptions": ""]))
        add(
            "AWS::Glue::Database",
            TypeMapping(
                tfType: "aws_glue_catalog_database", ref: "name",
                custom: { e in
                    if let input = e.take("DatabaseInput")?.objectValue {
                        for (k, v) in input where k == "Name" || k == "Description" { e.properties[k] = v }
                    }
                    _ = e.take("CatalogId")
                }))
        add("AWS::Athena::WorkGroup", TypeMapping(tfType: "aws_athena_workgroup", ref: "name", renames: ["WorkGroupConfiguration": ""]))
        add(
            "AWS::CloudTrail::Trail",
            TypeMapping(
                tfType: "aws_cloudtrail", ref: "name", getAtt: ["Arn": "arn"], renames: ["TrailName": "name", "S3BucketName": "s3_bucket_name"]))
        add(
            "AWS::IoT::TopicRule",
            TypeMapping(
                tfType: "aws_iot_topic_rule", ref: "name", getAtt: ["Arn": "arn"],
                custom: { e in
                    guard let payload = e.take("TopicRulePayload")?.objectValue else { return }
                    if let sql = payload["Sql"] { e.set("sql", json: sql) }
                    e.set("sql_version", json: payload["AwsIotSqlVersion"] ?? "2016-03-23")
                    e.set("enabled", json: .bool(!(payload["RuleDisabled"]?.boolValue ?? false)))
                    if let actions = payload["Actions"]?.arrayValue {
                        for action in actions { for (k, v) in action.objectValue ?? [:] { e.properties[k] = v } }
                    }
                }))
        addComputeAndNetworkExtras(add)
        return t
    }()

    /// Auto scaling, databases, network ACLs and the other families that follow the generic mapping closely.
    private static func addComputeAndNetworkExtras(_ add: (String, TypeMapping) -> Void) {
        add("AWS::Logs::QueryDefinition", TypeMapping(tfType: "aws_cloudwatch_query_definition", ref: "query_definition_id"))
        add("AWS::Logs::LogStream", TypeMapping(tfType: "aws_cloudwatch_log_stream", ref: "name", renames: ["LogStreamName": "name"]))
        add("AWS::EC2::NetworkAcl", TypeMapping(tfType: "aws_network_acl", ref: "id"))
        add(
            "AWS::EC2::NetworkAclEntry",
            TypeMapping(
                tfType: "aws_network_acl_rule", ref: "id",
                custom: { e in
                    if let range = e.take("PortRange") {
                        if let from = range["From"] { e.set("from_port", e.value(from)) }
                        if let to = range["To"] { e.set("to_port", e.value(to)) }
                    }
                    if let icmp = e.take("Icmp") {
                        if let code = icmp["Code"] { e.set("icmp_code", e.value(code)) }
                        if let type = icmp["Type"] { e.set("icmp_type", e.value(type)) }
                    }
                }))
        add("AWS::EC2::SubnetNetworkAclAssociation", TypeMapping(tfType: "aws_network_acl_association", ref: "id"))
        add("AWS::EC2::VPCPeeringConnection", TypeMapping(tfType: "aws_vpc_peering_connection", ref: "id", renames: ["PeerRoleArn": ""]))
        add("AWS::EC2::DHCPOptions", TypeMapping(tfType: "aws_vpc_dhcp_options", ref: "id"))
        add("AWS::EC2::VPCDHCPOptionsAssociation", TypeMapping(tfType: "aws_vpc_dhcp_options_association", ref: "id"))
        add(
            "AWS::SSM::Association",
            TypeMapping(
                tfType: "aws_ssm_association", ref: "association_id", getAtt: ["AssociationId": "association_id"],
                renames: ["AssociationName": "association_name"]))
        add(
            "AWS::SSM::Document",
            TypeMapping(
                tfType: "aws_ssm_document", ref: "name",
                custom: { e in
                    if let content = e.take("Content") { e.set("content", e.value(content)) }
                    if e.properties["DocumentFormat"] == nil,
                        e.attributes["content"].map({
                            if case .call("jsonencode", _) = $0 { return true }; return false
                        }) == true
                    {
                        e.attributes["document_format"] = .string("JSON")
                    }
                }))
        for (cfn, tf) in [
            ("SecurityPolicy", "aws_opensearchserverless_security_policy"), ("AccessPolicy", "aws_opensearchserverless_access_policy"),
            ("Collection", "aws_opensearchserverless_collection"),
        ] {
            add(
                "AWS::OpenSearchServerless::\(cfn)",
                TypeMapping(
                    tfType: tf, ref: cfn == "Collection" ? "id" : "name",
                    getAtt: ["Arn": "arn", "CollectionEndpoint": "collection_endpoint"]))
        }
        add(
            "AWS::RDS::DBInstance",
            TypeMapping(
                tfType: "aws_db_instance", ref: "identifier",
                getAtt: ["Endpoint.Address": "address", "Endpoint.Port": "port", "DBInstanceArn": "arn"],
                renames: [
                    "DBInstanceClass": "instance_class", "MasterUsername": "username", "MasterUserPassword": "password", "DBName": "db_name",
                    "DBInstanceIdentifier": "identifier", "VPCSecurityGroups": "vpc_security_group_ids", "MultiAZ": "multi_az",
                    "DBParameterGroupName": "parameter_group_name", "MasterUserSecret": "",
                ],
                custom: { e in e.attributes["skip_final_snapshot"] = .bool(true) }))
        add(
            "AWS::RDS::DBCluster",
            TypeMapping(
                tfType: "aws_rds_cluster", ref: "cluster_identifier",
                getAtt: ["Endpoint.Address": "endpoint", "Endpoint.Port": "port", "ReadEndpoint.Address": "reader_endpoint", "DBClusterArn": "arn"],
                renames: [
                    "MasterUserPassword": "master_password", "DBClusterIdentifier": "cluster_identifier",
                    "ServerlessV2ScalingConfiguration": "serverlessv2_scaling_configuration",
                    "DBClusterParameterGroupName": "db_cluster_parameter_group_name",
                    "MasterUserSecret": "",
                ],
                custom: { e in
                    e.attributes["skip_final_snapshot"] = .bool(true)
                    // "aurora" (MySQL 5.6 compatible) is retired; the provider accepts only the engine families.
                    if e.properties["Engine"]?.stringValue == "aurora" {
                        e.properties["Engine"] = "aurora-mysql"
                        e.context.warn("engine aurora is retired: used aurora-mysql")
                    }
                }))
        add(
            "AWS::AutoScaling::LaunchConfiguration",
            TypeMapping(
                tfType: "aws_launch_configuration", ref: "name",
                renames: ["UserData": "user_data_base64", "LaunchConfigurationName": "name", "BlockDeviceMappings": ""]))
        add(
            "AWS::AutoScaling::AutoScalingGroup",
            TypeMapping(
                tfType: "aws_autoscaling_group", ref: "name",
                renames: [
                    "LaunchConfigurationName": "launch_configuration", "AutoScalingGroupName": "name", "Cooldown": "default_cooldown",
                    "LaunchTemplate.LaunchTemplateId": "id", "LaunchTemplate.LaunchTemplateName": "name", "MetricsCollection": "",
                    "NotificationConfigurations": "", "LoadBalancerNames": "load_balancers",
                ]))
        add("AWS::AutoScaling::ScalingPolicy", TypeMapping(tfType: "aws_autoscaling_policy", ref: "arn", getAtt: ["Arn": "arn"]))
        add(
            "AWS::ApplicationAutoScaling::ScalableTarget",
            TypeMapping(
                tfType: "aws_appautoscaling_target", ref: "id",
                renames: [
                    "RoleARN": "role_arn",
                    "ScheduledActions": "", "SuspendedState": "",
                ]))
        add(
            "AWS::ApplicationAutoScaling::ScalingPolicy",
            TypeMapping(
                tfType: "aws_appautoscaling_policy", ref: "arn",
                renames: [
                    "PolicyName": "name",
                    "ScalingTargetId": "",
                ]))
        add("AWS::ApiGatewayV2::IntegrationResponse", TypeMapping(tfType: "aws_apigatewayv2_integration_response", ref: "id"))
        add("AWS::ApiGatewayV2::RouteResponse", TypeMapping(tfType: "aws_apigatewayv2_route_response", ref: "id"))
        add("AWS::S3::AccessPoint", TypeMapping(tfType: "aws_s3_access_point", ref: "name", getAtt: ["Arn": "arn", "Alias": "alias"]))
        add(
            "AWS::IoT::Thing",
            TypeMapping(tfType: "aws_iot_thing", ref: "name", getAtt: ["Arn": "arn"], renames: ["ThingName": "name", "AttributePayload": ""]))
        add(
            "AWS::IoT::Policy",
            TypeMapping(tfType: "aws_iot_policy", ref: "name", getAtt: ["Arn": "arn"], renames: ["PolicyName": "name", "PolicyDocument": "policy"]))
        add(
            "AWS::Route53::HealthCheck",
            TypeMapping(
                tfType: "aws_route53_health_check", ref: "id",
                renames: [
                    "FullyQualifiedDomainName": "fqdn",
                    "HealthCheckTags": "tags", "IPAddress": "ip_address",
                ],
                custom: { e in
                    if let config = e.take("HealthCheckConfig")?.objectValue { for (k, v) in config { e.properties[k] = v } }
                }))
        add(
            "AWS::Lambda::EventInvokeConfig",
            TypeMapping(
                tfType: "aws_lambda_function_event_invoke_config", ref: "id",
                renames: [
                    "Qualifier": "qualifier", "DestinationConfig.OnSuccess.Destination": "destination",
                    "DestinationConfig.OnFailure.Destination": "destination",
                ]))
    }

    /// Why a resource of a mapped type still cannot be translated, decided before any reference to it is.
    static func unsupportedShape(_ type: String, _ properties: [String: JSONValue]) -> String? {
        switch type {
        case "AWS::RDS::DBInstance" where properties["DBClusterIdentifier"] != nil:
            return "an Aurora cluster member is an aws_rds_cluster_instance, which is not translated yet"
        case "AWS::EC2::VPCGatewayAttachment" where properties["InternetGatewayId"] == nil:
            return "VPN gateway attachments are not translated yet"
        default:
            return nil
        }
    }

    /// AppSync JavaScript resolvers need `code` and `runtime` together; code kept in S3 cannot be read offline.
    @Sendable static func appSyncCode(_ e: ResourceEmitter) {
        guard e.take("CodeS3Location") != nil else { return }
        if e.properties["Code"] == nil {
            _ = e.take("Runtime")
            e.context.warn("the resolver code is in S3 (CodeS3Location), which lsqm cannot read: translated without code and runtime")
        }
    }

    /// The first element of a list property where Terraform takes one value; warns when more are dropped.
    static func firstOf(_ v: JSONValue, _ e: ResourceEmitter, _ property: String) -> TypedExpr {
        if let list = v.arrayValue {
            if list.count > 1 { e.context.warn("\(property) lists \(list.count) items; Terraform's \(e.mapping.tfType) takes one: kept the first") }
            return list.first.map(e.value) ?? .null
        }
        let translated = e.value(v)
        return translated.type == .list || translated.type == .any ? TypedExpr(.call("element", [translated.expr, .number(0)]), .string) : translated
    }
}
