import Foundation
import LSQMCore
import LSQMTemplates
import XCTest

/// What a verdict covers when a translation left resources out: the services dropped whole are not tested.
final class TranslationCoverageTests: XCTestCase {
    private func architecture(
        kind: ArchitectureKind = .sam, services: [String], unsupported: [String], deployed: [String]?
    ) -> Architecture {
        Architecture(
            id: String(repeating: "a", count: 64), name: "a", kind: kind, sourceURL: "https://example.com/a", source: "test",
            services: services, resourceCount: unsupported.count + (deployed?.count ?? 0), files: ["template.yaml"],
            discoveredAt: Date(timeIntervalSince1970: 0),
            normalization: unsupported.isEmpty && kind == .terraform
                ? nil
                : NormalizationRecord(
                    status: unsupported.isEmpty ? .full : .partial,
                    unsupported: unsupported.map { .init(resource: "R\($0.count)", type: $0, reason: "not translated") }),
            terraformResources: deployed?.enumerated().map { ResourceInstances(address: "\($1).r\($0)", type: $1, count: 1) })
    }

    func testAServiceWhoseResourcesWereAllDroppedIsUntested() {
        // The appsync-bedrock shape: the GraphQL API and its data source dropped, only the role deployed.
        let appsync = architecture(
            services: ["appsync", "iam"], unsupported: ["AWS::AppSync::GraphQLApi", "AWS::AppSync::DataSource"],
            deployed: ["aws_iam_role"])
        XCTAssertEqual(appsync.untranslatedServices, ["appsync"])
        XCTAssertEqual(appsync.testedServices, ["iam"])
    }

    func testAServiceStillDeployedThroughAnotherResourceIsTested() {
        // One S3 resource dropped, the bucket itself deployed: S3 is exercised.
        let s3 = architecture(
            services: ["s3", "sqs"], unsupported: ["AWS::S3::AccessPoint"], deployed: ["aws_s3_bucket", "aws_sqs_queue"])
        XCTAssertEqual(s3.untranslatedServices, [])
        XCTAssertEqual(s3.testedServices, ["s3", "sqs"])
    }

    func testFullTranslationsTerraformAndOldIndexesKeepEveryService() {
        XCTAssertEqual(architecture(services: ["sqs"], unsupported: [], deployed: ["aws_sqs_queue"]).testedServices, ["sqs"])
        XCTAssertEqual(
            architecture(kind: .terraform, services: ["s3"], unsupported: [], deployed: ["aws_s3_bucket"]).untranslatedServices, [])
        // Written before resource counts were indexed: nothing says what was deployed, so nothing is taken away.
        XCTAssertEqual(
            architecture(services: ["appsync"], unsupported: ["AWS::AppSync::GraphQLApi"], deployed: nil).testedServices, ["appsync"])
    }

    func testResultsRecordUntestedServicesOnlyWhenThereAreSome() throws {
        var result = ValidationResult(
            arch: "a", sourceURL: "u", name: "a", kind: .sam, services: ["iam"], status: .passed)
        XCTAssertFalse(String(decoding: try JSONEncoder().encode(result), as: UTF8.self).contains("untested_services"))
        result.untestedServices = ["appsync"]
        let decoded = try JSONDecoder().decode(ValidationResult.self, from: JSONEncoder().encode(result))
        XCTAssertEqual(decoded.untestedServices, ["appsync"])
    }
}
