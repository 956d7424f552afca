import Foundation
import LSQMCloudFormation
import XCTest

final class HCLPrinterTests: XCTestCase {
    func testAlignmentRunsBreakAtMultiLineValuesAndBlocks() {
        var body = HCLBody()
        body.set("a", .string("x"))
        body.set("long_name", .number(1))
        body.set("doc", .object([("k", .bool(true))]))
        body.set("b", .null)
        body.add(HCLBlock("nested", body: HCLBody(items: [.attribute("z", .list([.string("1"), .string("2")]))])))
        let text = HCLPrinter.block(HCLBlock("resource", ["aws_x", "y"], body: body), indent: 0)
        XCTAssertEqual(
            text,
            """
            resource "aws_x" "y" {
              a         = "x"
              long_name = 1
              doc = {
                k = true
              }
              b = null
              nested {
                z = ["1", "2"]
              }
            }
            """)
    }

    func testStringEscapesAndTemplates() {
        XCTAssertEqual(HCLPrinter.expression(.string("a\"b\\c\r\nd ${x} %{y} $z"), indent: 0), #""a\"b\\c\r\nd $${x} %%{y} $z""#)
        XCTAssertEqual(HCLPrinter.expression(.template([.interpolation(.ref("var.x"))]), indent: 0), "var.x")
        XCTAssertEqual(HCLPrinter.expression(.template([.literal("a-"), .interpolation(.ref("var.x")), .literal("")]), indent: 0), #""a-${var.x}""#)
        XCTAssertEqual(
            HCLPrinter.expression(.object([("aws:SourceArn", .string("x")), ("true", .bool(false))]), indent: 0),
            "{\n  \"aws:SourceArn\" = \"x\"\n  \"true\"          = false\n}")
    }
}
