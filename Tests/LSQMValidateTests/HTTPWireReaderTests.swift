import Foundation
import LSQMBasics
import LSQMTestSupport
import XCTest

@testable import LSQMValidate

#if canImport(Glibc)
    import Glibc
#endif

/// lsqm's socket HTTP client (the Docker Engine API, emulator health checks) reads responses with
/// `HTTPWireReader`. The Engine API streams (image pulls, logs) with chunked bodies whose chunks arrive in
/// whatever pieces the kernel hands over: these feed the reader through a socket pair, a few bytes per write
/// with a pause between, so every boundary (inside a chunk-size line, between CR and LF, inside a payload,
/// inside trailers) falls between two reads.
final class HTTPWireReaderTests: XCTestCase {
    func testChunkedBodySplitAtEveryBoundaryWithExtensionsAndTrailers() throws {
        let wire =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "1b;name=value\r\n{\"status\":\"Pulling fs lay\"}\r\n"  // 27 bytes, with a chunk extension
            + "1\r\n\n\r\n"  // a one-byte chunk that is a newline
            + "A\r\n0123456789\r\n"  // upper-case hex size
            + "0\r\nX-Trailer: one\r\nX-Other: two\r\n\r\n"
            + "HTTP/1.1 204 No Content\r\n\r\n"  // the next message on a kept-alive connection
        let received = try read(wire, piece: 3) { reader in
            let head = try XCTUnwrap(try reader.readHead())
            XCTAssertEqual(head.startLine, "HTTP/1.1 200 OK")
            XCTAssertEqual(head.headers["transfer-encoding"], "chunked")
            var chunks: [String] = []
            let body = try reader.readBody(headers: head.headers, untilCloseWhenUnframed: true) { chunks.append(String(decoding: $0, as: UTF8.self)) }
            XCTAssertEqual(chunks, ["{\"status\":\"Pulling fs lay\"}", "\n", "0123456789"], "each chunk is handed over whole, as it arrives")
            XCTAssertEqual(String(decoding: body, as: UTF8.self), "{\"status\":\"Pulling fs lay\"}\n0123456789")
            // The trailers were consumed: the next read is the next message's head, not a trailer line.
            return try XCTUnwrap(try reader.readHead()).startLine
        }
        XCTAssertEqual(received, "HTTP/1.1 204 No Content")
    }

    func testMultiplexedLogFramesInChunksThatCutFramesApartDemultiplexWhole() throws {
        // Docker's log stream: 8-byte frame headers whose payloads straddle chunk boundaries.
        let frames = [(UInt8(1), "LocalStack version: 4.14.0\n"), (2, "License activation failed!\n"), (1, "Ready.\n")]
        var stream = Data()
        for (kind, text) in frames {
            let size = UInt32(text.utf8.count)
            stream += Data([kind, 0, 0, 0, UInt8(size >> 24), UInt8((size >> 16) & 0xff), UInt8((size >> 8) & 0xff), UInt8(size & 0xff)])
            stream += Data(text.utf8)
        }
        // Chunks of 5 bytes: no chunk boundary matches a frame boundary.
        var wire = Data("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
        var offset = 0
        while offset < stream.count {
            let piece = stream[offset..<min(offset + 5, stream.count)]
            wire += Data(String(piece.count, radix: 16).utf8) + Data("\r\n".utf8) + piece + Data("\r\n".utf8)
            offset += 5
        }
        wire += Data("0\r\n\r\n".utf8)
        let body = try read(wire, piece: 7) { reader in
            let head = try XCTUnwrap(try reader.readHead())
            return try reader.readBody(headers: head.headers, untilCloseWhenUnframed: true)
        }
        XCTAssertEqual(body, stream)
        XCTAssertEqual(DockerLogStream.demultiplex(body), "LocalStack version: 4.14.0\nLicense activation failed!\nReady.\n")
    }

    func testContentLengthAndCloseDelimitedBodiesSplitAcrossReads() throws {
        let framed = try read("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello worldEXTRA", piece: 2) { reader in
            let head = try XCTUnwrap(try reader.readHead())
            return try reader.readBody(headers: head.headers, untilCloseWhenUnframed: true)
        }
        XCTAssertEqual(String(decoding: framed, as: UTF8.self), "hello world", "Content-Length bounds the body")
        let unframed = try read("HTTP/1.0 200 OK\nServer: old\n\nto the end\nof the stream", piece: 4) { reader in
            let head = try XCTUnwrap(try reader.readHead())
            XCTAssertEqual(head.headers["server"], "old", "bare LF line ends are accepted")
            return try reader.readBody(headers: head.headers, untilCloseWhenUnframed: true)
        }
        XCTAssertEqual(String(decoding: unframed, as: UTF8.self), "to the end\nof the stream")
    }

    func testTruncatedAndMalformedChunkedBodiesAreErrors() throws {
        let cases = [
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nonly six", "the peer closed the connection"),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello", "the peer closed the connection inside a chunked body"),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", "invalid chunk size 'zz'"),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n", "a chunk is not followed by CRLF"),
            ("HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\nshort", "after 5 of 20 body bytes"),
        ]
        for (wire, expected) in cases {
            XCTAssertThrowsError(
                try read(wire, piece: 3) { reader in
                    let head = try XCTUnwrap(try reader.readHead())
                    return try reader.readBody(headers: head.headers, untilCloseWhenUnframed: true)
                }, wire
            ) { error in
                let message = (error as? LSQMError)?.message ?? "\(error)"
                XCTAssertTrue(message.contains(expected), "\(wire.debugDescription): \(message)")
            }
        }
    }

    // MARK: Helpers

    private func read<T>(_ text: String, piece: Int, _ body: (HTTPWireReader) throws -> T) throws -> T {
        try read(Data(text.utf8), piece: piece, body)
    }

    /// Writes `wire` into one end of a socket pair `piece` bytes at a time, pausing between writes so each
    /// piece is a read of its own, then closes that end; `body` reads from the other end.
    private func read<T>(_ wire: Data, piece: Int, _ body: (HTTPWireReader) throws -> T) throws -> T {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds), 0)
        let (reading, writing) = (fds[0], fds[1])
        defer { close(reading) }
        let writer = Thread {
            var offset = 0
            while offset < wire.count {
                let end = min(offset + piece, wire.count)
                try? HTTPWire.send(fd: writing, wire.subdata(in: offset..<end))
                offset = end
                usleep(2_000)
            }
            close(writing)
        }
        writer.start()
        return try body(HTTPWireReader(fd: reading))
    }
}
