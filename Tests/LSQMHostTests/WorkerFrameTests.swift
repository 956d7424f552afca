import Foundation
import XCTest

@testable import LSQMHost

/// The worker pipe's frames: a fixed header, then the error text and the payload as raw bytes.
final class WorkerFrameTests: XCTestCase {
    func testAFrameRoundTripsWithItsPayloadByteForByte() throws {
        let request = #"{"run_id":"r1","text":"quote \" and newline \n"}"#
        let frame = WorkerFrame(.call, id: 7, function: .notify, status: -3, error: #"{"error":"x"}"#, text: request)
        let body = frame.encoded()
        // The request is in the frame as it is, not escaped inside another JSON document.
        XCTAssertEqual(body.suffix(request.utf8.count), Data(request.utf8))
        XCTAssertEqual(body.count, WorkerFrame.headerSize + 13 + request.utf8.count)
        let read = try XCTUnwrap(WorkerFrame(decoding: body))
        XCTAssertEqual(read.type, .call)
        XCTAssertEqual(read.id, 7)
        XCTAssertEqual(read.function, .notify)
        XCTAssertEqual(read.status, -3)
        XCTAssertEqual(read.error, #"{"error":"x"}"#)
        XCTAssertEqual(read.text, request)
    }

    /// A NULL response (notify may leave it NULL) and an empty one stay different.
    func testAnAbsentPayloadIsNotAnEmptyOne() throws {
        let absent = try XCTUnwrap(WorkerFrame(decoding: WorkerFrame(.result).encoded()))
        XCTAssertNil(absent.payload)
        XCTAssertNil(absent.error)
        let empty = try XCTUnwrap(WorkerFrame(decoding: WorkerFrame(.result, payload: Data()).encoded()))
        XCTAssertEqual(empty.payload, Data())
        let refused = try XCTUnwrap(WorkerFrame(decoding: WorkerFrame(.refused, notAPlugin: true, error: "not an ELF").encoded()))
        XCTAssertTrue(refused.notAPlugin)
    }

    func testMalformedFramesAreRefused() {
        var unknownType = WorkerFrame(.describe).encoded()
        unknownType[0] = 99
        XCTAssertNil(WorkerFrame(decoding: unknownType))
        var unknownFunction = WorkerFrame(.call, function: .discover).encoded()
        unknownFunction[2] = 200
        XCTAssertNil(WorkerFrame(decoding: unknownFunction))
        var errorTooLong = WorkerFrame(.result, error: "abc").encoded()
        errorTooLong[15] = 200
        XCTAssertNil(WorkerFrame(decoding: errorTooLong))
        XCTAssertNil(WorkerFrame(decoding: Data([1, 0, 0])))
    }
}
