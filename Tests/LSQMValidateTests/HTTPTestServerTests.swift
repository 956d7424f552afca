import Foundation
import LSQMBasics
import LSQMTestSupport
import XCTest

/// The test server is what every fake service stands on: these tests drive it with real clients (curl and
/// raw sockets) so keep-alive, chunked bodies and unix sockets are proven on the wire.
final class HTTPTestServerTests: XCTestCase {
    func testServesAndRecordsRequestsOverTCPWithKeepAlive() throws {
        let server = try HTTPTestServer { request in
            .json(["path": .string(request.path), "q": .string(request.query("q") ?? ""), "body": .string(request.text)])
        }
        defer { server.stop() }
        // Two requests on one connection (curl reuses it), the second with a JSON body.
        let result = try runCurl([
            "-s", "\(server.baseURL)/a/b?q=1%202", "--next", "-s", "-X", "POST", "-H", "X-Test: Yes",
            "--data-binary", "{\"k\":1}", "\(server.baseURL)/c",
        ])
        XCTAssertTrue(result.contains("\"path\":\"/a/b\""), result)
        XCTAssertTrue(result.contains("\"q\":\"1 2\""), result)
        XCTAssertTrue(result.contains("\"body\":\"{\\\"k\\\":1}\""), result)
        let requests = server.requests
        XCTAssertEqual(requests.map(\.method), ["GET", "POST"])
        XCTAssertEqual(requests[1].headers["x-test"], "Yes")
        XCTAssertEqual(requests[1].json?["k"]?.intValue, 1)
    }

    func testChunkedRequestAndStreamedResponseOverUnixSocket() throws {
        let dir = try Files.makeTemporaryDirectory(prefix: "lsqm-http")
        defer { Files.remove(dir) }
        let path = dir.appendingPathComponent("fake.sock").path
        let server = try HTTPTestServer(unixSocketPath: path) { request in
            HTTPTestResponse(status: 200, chunks: [Data("got \(request.body.count) ".utf8), Data("bytes".utf8)])
        }
        let output = try runCurl([
            "-s", "--unix-socket", path, "-H", "Transfer-Encoding: chunked", "--data-binary", "hello world",
            "http://localhost/upload",
        ])
        XCTAssertEqual(output, "got 11 bytes")
        XCTAssertEqual(server.requests.first?.text, "hello world")
        XCTAssertEqual(server.requests.first?.headers["transfer-encoding"], "chunked")
        server.stop()
        XCTAssertFalse(Files.exists(URL(fileURLWithPath: path)), "stop removes the socket file")
    }

    func testConnectionCloseAndMalformedRequests() throws {
        let server = try HTTPTestServer { _ in .text("ok") }
        defer { server.stop() }
        let raw = try rawExchange(port: server.port, "GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        XCTAssertTrue(raw.hasPrefix("HTTP/1.1 200 OK\r\n"), raw)
        XCTAssertTrue(raw.contains("Connection: close"), raw)
        XCTAssertTrue(raw.hasSuffix("\r\n\r\nok"), raw)
        let bad = try rawExchange(port: server.port, "NONSENSE\r\n\r\n")
        // FlyingFox closes a connection whose request line it cannot parse without answering (RFC 9112 §6.3
        // allows it; the hand-written server answered 400): either way no request reaches a fake's handler.
        XCTAssertFalse(bad.hasPrefix("HTTP/1.1 2"), bad)
        XCTAssertEqual(server.requests.count, 1, "a malformed request is refused and not recorded")
    }

    private func runCurl(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["curl", "--max-time", "20"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "curl \(arguments)")
        return String(decoding: data, as: UTF8.self)
    }

    /// Sends `text` on a fresh TCP connection and reads until the server closes it.
    private func rawExchange(port: Int, _ text: String) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        XCTAssertEqual(connected, 0)
        try HTTPWire.send(fd: fd, Data(text.utf8))
        var result = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n <= 0 { break }
            result.append(contentsOf: buffer[0..<n])
        }
        return String(decoding: result, as: UTF8.self)
    }
}
