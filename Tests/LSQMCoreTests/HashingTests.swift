import Foundation
import LSQMBasics
import LSQMCore
import XCTest

final class HashingTests: XCTestCase {
    func testSHA256KnownVectors() {
        XCTAssertEqual(SHA256.hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(
            SHA256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(
            SHA256.hex(Data(repeating: 0x61, count: 1_000_000)),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// The identities of committed fixtures, computed with the hand-written SHA-256 lsqm had before swift-crypto
    /// (6d44f6c): a store indexed before the switch must find the same architectures after it.
    func testExampleArchitectureHashesAreUnchanged() throws {
        let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Examples/architectures")
        func hash(_ name: String) throws -> String {
            let folder = examples.appendingPathComponent(name)
            return ContentHash.architecture(
                files: try Files.regularFiles(under: folder).map { ($0, try Files.read(folder.appendingPathComponent($0))) })
        }
        XCTAssertEqual(try hash("dynamodb-lambda"), "92aa5897fd908ad1b4da2e8ae1873dca46f47c271d1b3fe44ee3ac381c67aaee")
        XCTAssertEqual(try hash("s3-sqs"), "0fc569aa97e28fcac265141ecf373e789993e41621600b2e4e25b64716da7f7d")
        XCTAssertEqual(try hash("sns-sqs"), "f9ef4791123470e06914fca19f07d9bdc6aeec2989d41a4c6318820ba1dc65f5")
    }

    /// Every update overload feeds the same bytes: text, byte arrays, Data and raw buffers, split anywhere.
    func testUpdateOverloadsAgree() {
        let text = "path/main.tf\u{0}42\u{0}résumé ✓"
        var byString = SHA256()
        byString.update(text)
        var byPieces = SHA256()
        let bytes = Array(text.utf8)
        byPieces.update(Array(bytes[..<5]))
        byPieces.update(Data(bytes[5..<13]))
        bytes[13...].withUnsafeBytes { byPieces.update($0) }
        XCTAssertEqual(byString.finalizeHex(), byPieces.finalizeHex())
        XCTAssertEqual(byString.finalizeHex(), SHA256.hex(Data(bytes)))
        XCTAssertEqual(byString.finalize().count, 32)
    }

    func testIncrementalUpdateMatchesOneShot() {
        let data = Data((0..<1000).map { UInt8($0 % 251) })
        var hasher = SHA256()
        for chunk in stride(from: 0, to: data.count, by: 37) {
            hasher.update(data.subdata(in: chunk..<min(chunk + 37, data.count)))
        }
        XCTAssertEqual(hasher.finalizeHex(), SHA256.hex(data))
    }

    func testArchitectureHashIsOrderIndependentAndUnambiguous() {
        let a = ContentHash.architecture(files: [("main.tf", Data("x".utf8)), ("b.tf", Data("y".utf8))])
        let b = ContentHash.architecture(files: [("b.tf", Data("y".utf8)), ("main.tf", Data("x".utf8))])
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.count, 64)
        // Moving bytes between path and content must change the hash.
        let c = ContentHash.architecture(files: [("ab", Data("c".utf8))])
        let d = ContentHash.architecture(files: [("a", Data("bc".utf8))])
        XCTAssertNotEqual(c, d)
        XCTAssertNotEqual(
            ContentHash.app(files: [("t.py", Data())], generatorVersion: "1"),
            ContentHash.app(files: [("t.py", Data())], generatorVersion: "2"))
    }

    func testRunIDsAreUniqueAndSortable() {
        let date = Date(timeIntervalSince1970: 1_800_000_000)
        let ids = (0..<200).map { _ in RunID.make(date: date) }
        XCTAssertEqual(Set(ids).count, ids.count)
        XCTAssertTrue(ids.allSatisfy(RunID.isValid))
        XCTAssertLessThan(RunID.make(date: date), RunID.make(date: date.addingTimeInterval(1)))
    }
}
