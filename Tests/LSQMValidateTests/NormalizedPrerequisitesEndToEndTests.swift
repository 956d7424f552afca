import Foundation
import LSQMBasics
import LSQMCloudFormation
import LSQMCore
import LSQMPluginKit
import LSQMTestSupport
import XCTest

@testable import LSQMValidate

/// A real CloudFormation template whose parameters are a deployer's subnets and security groups, normalized
/// with its prerequisites and deployed the way `lsqm validate` does: real terraform, the offline AWS provider,
/// moto_server; then destroyed. EFS takes one mount target per availability zone and checks that each subnet
/// and group exists, so an invented id or two subnets in one zone fail the apply.
final class NormalizedPrerequisitesEndToEndTests: XCTestCase {
    func testEFSTemplateWithSubnetAndSecurityGroupParametersAppliesAndDestroys() async throws {
        try ValidateFixtures.skipUnlessInstalled(["terraform", "moto_server"])
        guard let corpus = BuildProducts.corpus else { throw XCTSkip("../shared/corpus is not present") }
        let folder = corpus.appendingPathComponent("cloudformation/aws-cloudformation__aws-cloudformation-templates__EFS__EFSAccessPoint")
        let files = try Files.regularFiles(under: folder).map { PluginFile(path: $0, data: try Files.read(folder.appendingPathComponent($0))) }
        let response = CloudFormationTranslator.normalize(
            NormalizeRequest(kind: "cloudformation", name: "EFSAccessPoint", sourceURL: folder.path, files: files))
        XCTAssertEqual(response.normalization.status, "partial", "\(response.normalization)")
        XCTAssertTrue(response.files.contains { $0.path == "lsqm_prerequisites.tf" })

        let fixtures = try ValidateFixtures()
        defer { fixtures.remove() }
        let terraform = try response.files.map { (path: $0.path, content: try XCTUnwrap($0.data)) }
        let architecture = try fixtures.add(name: "efs-access-point", services: ["efs", "ec2"], terraform: terraform)
        var options = fixtures.options()
        options.cleanupTimeout = .seconds(300)
        let run = try await ValidateStage.run(
            architectures: [architecture], store: fixtures.store, runtime: HostRuntime(emulator: .moto),
            options: options, logger: .silent)
        let result = try XCTUnwrap(run.results.first)
        let output = result.terraformOutput ?? ""
        // No app: deploy-only, so PASSED means apply succeeded; no warning means destroy did too.
        XCTAssertEqual(result.status, .passed, "\(result.error ?? "") \(output.suffix(3000))")
        XCTAssertEqual(result.warnings, [], output.suffix(3000).description)
        for address in [
            "aws_vpc.prerequisite_network", "aws_subnet.prerequisite_subnet3", "aws_security_group.prerequisite_security_group2",
            "aws_efs_mount_target.EFSMountTarget3",
        ] {
            XCTAssertTrue(output.contains("\(address): Creation complete"), "\(address) was not created:\n\(output.suffix(3000))")
            XCTAssertTrue(output.contains("\(address): Destruction complete"), "\(address) was not destroyed:\n\(output.suffix(3000))")
        }
    }
}
