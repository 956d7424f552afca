import Foundation
import LSQMBasics
import LSQMPluginKit
import LSQMTestSupport
import XCTest

@testable import LSQMCloudFormation

/// Inputs a template expects from its deployer, made real (issue 13): real templates of ../shared/corpus (read
/// in place), plus small fixtures for what the corpus lacks.
final class PrerequisiteTests: XCTestCase {
    /// Normalizes one corpus folder the way the plugins do.
    func corpus(_ kind: String, _ folder: String) throws -> Normalized {
        guard let corpus = BuildProducts.corpus else { throw XCTSkip("../shared/corpus is not present") }
        let files = try CorpusNormalizeTests.loadFiles(corpus.appendingPathComponent(kind).appendingPathComponent(folder))
        XCTAssertFalse(files.isEmpty, "\(kind)/\(folder) is not in the corpus")
        return Normalized(request: NormalizeRequest(kind: kind, name: folder, sourceURL: "corpus/\(kind)/\(folder)", files: files))
    }

    static let markers = ["lsqm-placeholder", "lsqm-unsupported", "lsqm_unresolvable", "{{resolve:"]

    /// No invented stand-in anywhere in the Terraform.
    func assertNoMarkers(_ n: Normalized, file: StaticString = #filePath, line: UInt = #line) {
        for tf in n.response.files where tf.path.hasSuffix(".tf") {
            for marker in Self.markers {
                XCTAssertFalse((tf.content ?? "").contains(marker), "\(tf.path) holds \(marker)", file: file, line: line)
            }
        }
    }

    func input(_ n: Normalized, _ parameter: String) -> NormalizationResult.Input? { n.record.inputs?.first { $0.parameter == parameter } }

    func testSubnetAndSecurityGroupParametersBecomeResourcesInDistinctZones() throws {
        let n = try corpus("cloudformation", "aws-cloudformation__aws-cloudformation-templates__EFS__EFSAccessPoint")
        XCTAssertEqual(n.record.status, "partial", "\(n.record)")
        for i in 1...3 {
            XCTAssertFalse(n.main.contains(#"variable "Subnet\#(i)""#))
            let target = n.block(#"resource "aws_efs_mount_target" "EFSMountTarget\#(i)""#)
            XCTAssertContains(target, "subnet_id       = aws_subnet.prerequisite_subnet\(i).id")
            XCTAssertContains(target, "security_groups = [aws_security_group.prerequisite_security_group\(i).id]")
            // One mount target per zone is all EFS allows: each subnet takes the next zone.
            XCTAssertContains(n.prerequisites, "element(data.aws_availability_zones.prerequisites.names, \(i - 1))")
            XCTAssertEqual(input(n, "Subnet\(i)")?.value, "aws_subnet.prerequisite_subnet\(i).id")
            XCTAssertEqual(input(n, "SecurityGroup\(i)")?.value, "aws_security_group.prerequisite_security_group\(i).id")
        }
        // No VPC parameter: one VPC holds the subnets and the groups.
        XCTAssertEqual(n.prerequisites.components(separatedBy: #"resource "aws_vpc""#).count, 2, n.prerequisites)
        XCTAssertContains(n.prerequisites, "  vpc_id = aws_vpc.prerequisite_network.id")
        XCTAssertContains(n.prerequisites, "# a subnet the template expects as Subnet2, in its own availability zone\n")
        assertNoMarkers(n)
    }

    func testVPCSubnetKeyPairAndImageParametersFitTogether() throws {
        let n = try corpus("cloudformation", "aws-cloudformation__aws-cloudformation-templates__Solutions__EC2DomainJoin__EC2-Domain-Join")
        let instance = n.block(#"resource "aws_instance" "myEC2InstanceSSM""#)
        XCTAssertContains(instance, "key_name             = aws_key_pair.prerequisite_key_pair.key_name")
        XCTAssertContains(instance, "subnet_id            = aws_subnet.prerequisite_public_subnet.id")
        // No AMI was named: the latest Amazon Linux from AWS's public parameter, which exists in every region.
        XCTAssertContains(
            instance,
            "ami                  = data.aws_ssm_parameter.prerequisite_aws_service_ami_amazon_linux_latest_al2023_ami_kernel_default_x86_64.insecure_value"
        )
        // The subnet lies in the VPC the template's own security group is in.
        XCTAssertContains(n.main, "  vpc_id = aws_vpc.prerequisite_vpc.id")
        XCTAssertContains(n.prerequisites, "  vpc_id = aws_vpc.prerequisite_vpc.id")
        XCTAssertContains(n.prerequisites, #"  public_key = "\#(Prerequisites.publicKey)""#)
        XCTAssertTrue(Prerequisites.publicKey.hasPrefix("ssh-ed25519 AAAA"))
        XCTAssertEqual(input(n, "ADDnsIpAddresses1")?.value, "10.0.0.10")
        // The directory to join is the author's: not deployable as is.
        XCTAssertNil(try XCTUnwrap(input(n, "ADDirectoryId")).value)
        XCTAssertEqual(n.record.status, "needs_input")
        assertNoMarkers(n)
    }

    func testListOfSubnetsSpansTwoZones() throws {
        let n = try corpus("sam", "aws-samples__serverless-patterns__alb-lambda-rust")
        XCTAssertContains(n.main, "[aws_subnet.prerequisite_subnets1.id, aws_subnet.prerequisite_subnets2.id]")
        XCTAssertContains(n.prerequisites, "element(data.aws_availability_zones.prerequisites.names, 0)")
        XCTAssertContains(n.prerequisites, "element(data.aws_availability_zones.prerequisites.names, 1)")
        // The template's VpcId parameter is the VPC the subnets are made in.
        XCTAssertContains(n.prerequisites, "  vpc_id = aws_vpc.prerequisite_vpc_id.id")
        assertNoMarkers(n)
    }

    func testPublicSSMParametersAreReadNotCreated() throws {
        // An image parameter whose default names AWS's public AMI parameter, and {{resolve:ssm:/aws/service/…}}s.
        let agent = try corpus(
            "cloudformation", "aws-cloudformation__aws-cloudformation-templates__Solutions__AmazonCloudWatchAgent__inline__amazon_linux")
        XCTAssertContains(
            agent.prerequisites, #"data "aws_ssm_parameter" "prerequisite_aws_service_ami_amazon_linux_latest_al2023_ami_kernel_6_1_x86_64" {"#)
        XCTAssertContains(agent.main, "ami")
        XCTAssertContains(
            agent.main, "data.aws_ssm_parameter.prerequisite_aws_service_ami_amazon_linux_latest_al2023_ami_kernel_6_1_x86_64.insecure_value")
        XCTAssertFalse(
            agent.main.contains("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-x86_64\""), "the parameter's name is not an AMI id")
        let bastion = try corpus("cloudformation", "aws-quickstart__quickstart-linux-bastion__templates")
        XCTAssertContains(bastion.prerequisites, #"  name = "/aws/service/canonical/ubuntu/server/22.04/stable/current/amd64/hvm/ebs-gp2/ami-id""#)
        XCTAssertFalse(bastion.prerequisites.contains(#"resource "aws_ssm_parameter""#), "AWS's public parameters cannot be created")
        assertNoMarkers(agent)
        assertNoMarkers(bastion)
    }

    func testResolveOfOtherSSMParametersCreatesThemWithPlausibleValues() {
        let n = Normalized(
            """
            Resources:
              Own:
                Type: AWS::SSM::Parameter
                Properties: {Name: /app/own, Type: String, Value: mine}
              Server:
                Type: AWS::EC2::Instance
                Properties:
                  ImageId: "{{resolve:ssm:/app/golden-ami-id:3}}"
                  UserData: !Base64 "host={{resolve:ssm:/app/db-host}} own={{resolve:ssm:/app/own}} secret={{resolve:ssm-secure:/app/token}}"
            """)
        XCTAssertContains(
            n.block(#"resource "aws_instance" "Server""#), "  ami              = aws_ssm_parameter.prerequisite_app_golden_ami_id.insecure_value\n")
        XCTAssertContains(n.prerequisites, #"  insecure_value = "\#(Prerequisites.imageID)""#)
        XCTAssertContains(n.main, "host=${aws_ssm_parameter.prerequisite_app_db_host.insecure_value} own=${aws_ssm_parameter.Own.insecure_value}")
        XCTAssertContains(n.prerequisites, #"  type  = "SecureString""#)
        XCTAssertFalse(n.prerequisites.contains(#"name           = "/app/own""#), "the template's own parameter is read, not made again")
        XCTAssertEqual(input(n, "{{resolve:ssm:/app/db-host}}")?.value, "lsqm.example.com")
        XCTAssertEqual(n.record.status, "partial")
        assertNoMarkers(n)
    }

    func testResolveSecretsManagerCreatesTheSecretWithTheKeysItReads() throws {
        let ad = try corpus("cloudformation", "aws-cloudformation__aws-cloudformation-templates__Solutions__ManagedAD__templates__MANAGEDAD.cfn")
        XCTAssertContains(ad.prerequisites, #"resource "aws_secretsmanager_secret" "prerequisite_aws_managed_ad_admin_password" {"#)
        XCTAssertContains(ad.prerequisites, #"  secret_string = "{\"password\":\"LsqmPassw0rd2024\"}""#)
        XCTAssertContains(
            ad.main, #"jsondecode(aws_secretsmanager_secret_version.prerequisite_aws_managed_ad_admin_password.secret_string)["password"]"#)
        assertNoMarkers(ad)
        // The template creates ExternalOAuthCredentials itself and resolves it by name: that secret is read.
        let oauth = try corpus("sam", "aws-samples__serverless-patterns__eventbridge-api-destinations__11-oauth-api")
        XCTAssertFalse(oauth.prerequisites.contains(#""ExternalOAuthCredentials""#), oauth.prerequisites)
        XCTAssertContains(oauth.main, #"jsondecode(aws_secretsmanager_secret_version."#)
        assertNoMarkers(oauth)
    }

    func testGeneratedSecretIsAnInventedValueOnRecord() {
        let n = Normalized(
            """
            Resources:
              Credentials:
                Type: AWS::SecretsManager::Secret
                Properties:
                  GenerateSecretString: {SecretStringTemplate: '{"username": "admin"}', GenerateStringKey: password}
            """)
        let generated = try? XCTUnwrap(input(n, "Credentials.GenerateSecretString")?.value)
        XCTAssertTrue(generated?.hasPrefix("lsqm-") == true)
        XCTAssertContains(n.main, "password = \"\(generated ?? "?")\"")
        XCTAssertEqual(n.record.status, "partial")
    }

    func testImportValueBecomesTheExporterOrNeedsInput() throws {
        let n = try corpus("cloudformation", "aws-cloudformation__aws-cloudformation-templates__ECS__FargateLaunchType__services__public-service")
        XCTAssertContains(
            n.block(#"resource "aws_ecs_service" "Service""#), "  cluster         = aws_ecs_cluster.prerequisite_stack_name_cluster_name.arn")
        XCTAssertContains(n.main, "execution_role_arn       = aws_iam_role.prerequisite_stack_name_ecs_task_execution_role.arn")
        XCTAssertContains(n.prerequisites, #"\"Service\":\"ecs-tasks.amazonaws.com\""#)
        // The imported subnets and security group are made in the imported VPC the target group uses.
        XCTAssertContains(n.main, "vpc_id      = aws_vpc.prerequisite_stack_name_vpc_id.id")
        XCTAssertEqual(n.prerequisites.components(separatedBy: #"resource "aws_vpc""#).count, 2, n.prerequisites)
        XCTAssertContains(n.prerequisites, "  vpc_id = aws_vpc.prerequisite_stack_name_vpc_id.id")
        // A listener ARN says nothing lsqm can make: only the author can give it.
        let listener = try XCTUnwrap(n.record.inputs?.first { $0.parameter.contains("PublicListener") })
        XCTAssertNil(listener.value)
        XCTAssertEqual(n.record.status, "needs_input")
        XCTAssertContains(n.prerequisites, #"variable "input_fn_import_value_stack_name_public_listener" {"#)
        assertNoMarkers(n)
    }

    func testWhatOnlyTheAuthorCanGiveMakesTheTemplateNeedInput() throws {
        let custom = try corpus(
            "cloudformation",
            "aws-cloudformation__aws-cloudformation-templates__CloudFormation__CustomResources__getfromjson__example-templates__getfromjson-consumer")
        XCTAssertEqual(custom.record.status, "needs_input")
        XCTAssertTrue(custom.record.inputs?.contains { $0.value == nil && $0.how.contains("custom resource") } == true, "\(custom.record)")
        let nested = try corpus("cloudformation", "aws-quickstart__quickstart-examples__samples__session-manager-ssh")
        XCTAssertEqual(nested.record.status, "needs_input")
        XCTAssertTrue(nested.record.inputs?.contains { $0.value == nil && $0.how.contains("nested stack") } == true, "\(nested.record)")
        // A nested template inside the architecture is not the author's to give: unsupported (partial), not needs_input.
        let local = try corpus("sam", "aws-samples__serverless-patterns__appsync-notify-subscribers-of-database-updates__1-http")
        XCTAssertTrue(local.record.unsupported.contains { $0.resource == "AuthStack" }, "\(local.record)")
        XCTAssertFalse(local.record.inputs?.contains { $0.parameter == "AuthStack" } ?? false, "\(local.record)")
        // A plain String parameter naming an ARN in the deployer's account.
        let proxy = try corpus("sam", "aws-samples__serverless-patterns__apigw-http-api-lambda-rds-proxy")
        XCTAssertEqual(proxy.record.status, "needs_input")
        XCTAssertNil(try XCTUnwrap(input(proxy, "SecretArn")).value)
        XCTAssertContains(proxy.block(#"variable "SecretArn""#), "  type        = string\n}")
        XCTAssertFalse(proxy.block(#"variable "SecretArn""#).contains("default"))
        for n in [custom, nested, proxy] { assertNoMarkers(n) }
    }

    func testStatusIsFullOnlyWhenNothingWasInventedOrDropped() {
        let given = Normalized(
            """
            Parameters:
              Name: {Type: String, Default: orders}
            Resources:
              Queue: {Type: AWS::SQS::Queue, Properties: {QueueName: !Ref Name}}
            """)
        XCTAssertEqual(given.record.status, "full")
        XCTAssertNil(given.record.inputs)
        XCTAssertEqual(given.prerequisites, "")
        let chosen = Normalized(
            """
            Parameters:
              Name: {Type: String, AllowedPattern: "[a-z]+-queue"}
            Resources:
              Queue: {Type: AWS::SQS::Queue, Properties: {QueueName: !Ref Name}}
            """)
        XCTAssertEqual(chosen.record.status, "partial")
        XCTAssertEqual(chosen.record.inputs?.first?.value, "a-queue")
        XCTAssertContains(chosen.block(#"variable "Name""#), #"  default = "a-queue""#)
    }

    func testValuesSatisfyRealWorldPatterns() throws {
        // A bucket-name pattern with look-aheads and a `[--]` class, which ICU reads differently from Java.
        let n = try corpus("cloudformation", "aws-cloudformation__aws-cloudformation-templates__Solutions__DirectoryADClients__DIRECTORY-AD-CLIENTS")
        XCTAssertEqual(input(n, "SSMLogsBucketName")?.value, "lsqm-ssm-logs-bucket-name")
    }

    func testUntypedParametersNamingExistingResourcesNeedInput() {
        let n = Normalized(
            """
            Parameters:
              VolumeId: {Type: String}
              Volume: {Type: String, AllowedPattern: "vol-[0-9a-f]{8}"}
              ECSCluster: {Type: String}
              LinuxInstanceProfile: {Type: String}
              AccountIdDestination: {Type: String}
              EcsTaskRole: {Type: String}
              ECRImageURI: {Type: String}
              BucketName: {Type: String}
              SecretUserName: {Type: String}
            Resources:
              Queue: {Type: AWS::SQS::Queue, Properties: {Tags: [{Key: a, Value: !Ref Volume}, {Key: b, Value: !Ref BucketName}]}}
            """)
        let needed = Set(n.record.inputs?.filter { $0.value == nil }.map(\.parameter) ?? [])
        XCTAssertEqual(needed, ["VolumeId", "Volume", "ECSCluster", "LinuxInstanceProfile", "AccountIdDestination", "EcsTaskRole", "ECRImageURI"])
        // A bucket name is the template's to choose: a value is invented for it, from what its name says.
        XCTAssertEqual(input(n, "BucketName")?.value, "lsqm-bucket-name")
        XCTAssertEqual(input(n, "SecretUserName")?.value, "lsqmadmin")
        XCTAssertEqual(n.record.status, "needs_input")
    }

    func testCloudFormationDefaultsThatMatterAreCarriedOver() throws {
        // The instance type comes from the parameter's default, as CloudFormation would deploy it.
        let n = try corpus(
            "cloudformation", "aws-cloudformation__aws-cloudformation-templates__Solutions__AmazonCloudWatchAgent__inline__amazon_linux")
        XCTAssertContains(n.block(#"resource "aws_instance" "EC2Instance""#), "instance_type")
        let variable = n.block(#"variable "InstanceType""#)
        XCTAssertTrue(variable.contains("  default") && !variable.contains("lsqm"), variable)
    }

    func testRetiredRuntimesMoveToTheirSupportedSuccessor() throws {
        let n = try corpus("sam", "aws-quickstart__quickstart-examples__patterns__blog__CircularDependency")
        XCTAssertFalse(n.main.contains(#""python3.7""#))
        XCTAssertContains(n.main, #""python3.13""#)
        XCTAssertTrue(n.record.warnings.contains { $0.contains("runtime python3.7 is retired") }, "\(n.record.warnings)")
        let node = Normalized(
            """
            Resources:
              Fn:
                Type: AWS::Lambda::Function
                Properties: {Runtime: nodejs12.x, Handler: index.handler, Role: arn:aws:iam::123456789012:role/r, Code: {ZipFile: "exports.handler = 1"}}
              Current:
                Type: AWS::Lambda::Function
                Properties: {Runtime: python3.12, Handler: index.handler, Role: arn:aws:iam::123456789012:role/r, Code: {ZipFile: "x = 1"}}
            """)
        XCTAssertContains(node.block(#"resource "aws_lambda_function" "Fn""#), #""nodejs22.x""#)
        XCTAssertContains(node.block(#"resource "aws_lambda_function" "Current""#), #""python3.12""#)
        XCTAssertEqual(node.record.warnings.filter { $0.contains("retired") }.count, 1)
    }

    /// The plugin ABI's JSON stays backward compatible: `inputs` is optional both ways.
    func testInputsAreAnOptionalAdditiveKeyOfTheRecord() throws {
        let old = #"{"status": "full", "unsupported": [], "warnings": []}"#
        XCTAssertNil(try JSONCoding.decode(NormalizationResult.self, from: Data(old.utf8)).inputs)
        XCTAssertFalse(try JSONCoding.string(NormalizationResult(status: "full")).contains("inputs"))
        let needed = NormalizationResult(status: "needs_input", inputs: [.init(parameter: "RoleArn", value: nil, how: "an existing role")])
        let text = try JSONCoding.string(needed)
        XCTAssertTrue(text.contains(#""parameter":"RoleArn""#) || text.contains(#""parameter" : "RoleArn""#), text)
        XCTAssertEqual(try JSONCoding.decode(NormalizationResult.self, from: Data(text.utf8)), needed)
    }

    func testTranslationIsByteForByteTheSameOnEveryRun() throws {
        let first = try corpus("cloudformation", "aws-cloudformation__aws-cloudformation-templates__ECS__FargateLaunchType__services__public-service")
        let second = try corpus(
            "cloudformation", "aws-cloudformation__aws-cloudformation-templates__ECS__FargateLaunchType__services__public-service")
        XCTAssertEqual(first.response, second.response)
    }
}
