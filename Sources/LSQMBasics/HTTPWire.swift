import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// HTTP/1.1 message framing over a connected socket, shared by lsqm's small socket HTTP client (the Docker
/// Engine API on a unix socket, emulator health checks) and the fault-injecting proxy's listener in the tests
/// (the other fakes stand on FlyingFox). Kept by hand rather than AsyncHTTPClient: see the README's design section.
///
/// Only what those two need: a head (start line + headers), then a body framed by Content-Length, by chunked
/// transfer coding, or by the connection closing. No TLS, no pipelining, no trailers beyond skipping them.
public final class HTTPWireReader {
    public let fd: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    /// A head larger than this is refused: it is a broken or hostile peer, not a real message.
    public static let headLimit = 1 << 20

    public init(fd: Int32) { self.fd = fd }

    /// The start line and lower-cased headers of the next message, or nil on a clean end of stream before any
    /// byte of it (a keep-alive peer that hung up).
    public func readHead() throws -> (startLine: String, headers: [String: String])? {
        var lines: [String] = []
        while true {
            guard let line = try readLine() else {
                if lines.isEmpty { return nil }
                throw HTTPWire.error("the peer closed the connection inside a message head")
            }
            if line.isEmpty {
                // Tolerate blank lines before a start line (RFC 9112 §2.2).
                if lines.isEmpty { continue }
                break
            }
            lines.append(line)
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { throw HTTPWire.error("malformed header line '\(line)'") }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers[name] = headers[name].map { "\($0), \(value)" } ?? value
        }
        return (lines[0], headers)
    }

    /// The body that follows a head with `headers`.
    ///
    /// - Parameters:
    ///   - untilCloseWhenUnframed: a response without Content-Length or chunking runs to the end of the
    ///     connection; a request without either has no body.
    ///   - onChunk: called with each chunk of a chunked body as it arrives (Docker log streaming); the whole
    ///     body is returned as well.
    public func readBody(headers: [String: String], untilCloseWhenUnframed: Bool, onChunk: ((Data) -> Void)? = nil) throws -> Data {
        if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            return try readChunkedBody(onChunk: onChunk)
        }
        if let lengthText = headers["content-length"] {
            guard let length = Int(lengthText), length >= 0 else { throw HTTPWire.error("invalid Content-Length '\(lengthText)'") }
            return try readExactly(length)
        }
        return untilCloseWhenUnframed ? try readToEnd() : Data()
    }

    private func readChunkedBody(onChunk: ((Data) -> Void)?) throws -> Data {
        var body = Data()
        while true {
            guard let sizeLine = try readLine() else { throw HTTPWire.error("the peer closed the connection inside a chunked body") }
            // Chunk extensions (";name=value") are allowed and ignored.
            let sizeText = sizeLine.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            guard let size = Int(sizeText, radix: 16), size >= 0 else { throw HTTPWire.error("invalid chunk size '\(sizeLine)'") }
            if size == 0 {
                // Skip trailers up to the blank line that ends the message.
                while let trailer = try readLine(), !trailer.isEmpty {}
                return body
            }
            let chunk = try readExactly(size)
            body.append(chunk)
            onChunk?(chunk)
            // A stream that ends right after a chunk's data is truncated, not malformed: say which.
            guard let end = try readLine() else { throw HTTPWire.error("the peer closed the connection inside a chunked body") }
            guard end.isEmpty else { throw HTTPWire.error("a chunk is not followed by CRLF") }
        }
    }

    /// One line without its CRLF (a bare LF is accepted), or nil at end of stream with nothing buffered.
    private func readLine() throws -> String? {
        while true {
            if let newline = buffer[start...].firstIndex(of: 0x0A) {
                var end = newline
                if end > start, buffer[end - 1] == 0x0D { end -= 1 }
                let line = String(decoding: buffer[start..<end], as: UTF8.self)
                start = newline + 1
                return line
            }
            guard buffer.count - start < HTTPWireReader.headLimit else {
                throw HTTPWire.error("a header line is longer than \(HTTPWireReader.headLimit) bytes")
            }
            if try fill() == 0 {
                if start == buffer.count { return nil }
                throw HTTPWire.error("the peer closed the connection inside a line")
            }
        }
    }

    private func readExactly(_ count: Int) throws -> Data {
        while buffer.count - start < count {
            if try fill() == 0 { throw HTTPWire.error("the peer closed the connection after \(buffer.count - start) of \(count) body bytes") }
        }
        let data = Data(buffer[start..<(start + count)])
        start += count
        return data
    }

    private func readToEnd() throws -> Data {
        while try fill() > 0 {}
        let data = Data(buffer[start...])
        start = buffer.count
        return data
    }

    /// Reads more bytes into the buffer; 0 at end of stream.
    private func fill() throws -> Int {
        if start > 0, start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fd, &chunk, chunk.count)
            if n >= 0 {
                buffer.append(contentsOf: chunk[0..<n])
                return n
            }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { throw HTTPWire.error("timed out waiting for the peer") }
            throw HTTPWire.error(String(cString: strerror(errno)))
        }
    }
}

public enum HTTPWire {
    static func error(_ cause: String) -> LSQMError {
        LSQMError(.remote, action: "read an HTTP message", cause: cause)
    }

    /// Writes all of `data`, without SIGPIPE when the peer has gone (the error is thrown instead).
    public static func send(fd: Int32, _ data: Data) throws {
        try data.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            var offset = 0
            while offset < raw.count {
                let n = Glibc.send(fd, base + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if n < 0 {
                    if errno == EINTR { continue }
                    throw LSQMError(.remote, action: "send an HTTP message", cause: String(cString: strerror(errno)))
                }
                offset += n
            }
        }
    }

    /// A message head: start line, headers, blank line.
    public static func head(_ startLine: String, headers: [(String, String)]) -> Data {
        var text = startLine + "\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        return Data((text + "\r\n").utf8)
    }

    /// One chunk of a chunked body; an empty `data` is the last chunk.
    public static func chunk(_ data: Data) -> Data {
        var framed = Data(String(data.count, radix: 16).utf8) + Data("\r\n".utf8)
        framed.append(data)
        framed.append(contentsOf: Array("\r\n".utf8))
        return framed
    }

    /// The standard reason phrase for the status codes fakes and clients use.
    public static func reason(_ status: Int) -> String {
        switch status {
        case 100: "Continue"
        case 200: "OK"
        case 201: "Created"
        case 204: "No Content"
        case 304: "Not Modified"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 409: "Conflict"
        case 422: "Unprocessable Entity"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        default: "Status \(status)"
        }
    }
}

/// Builds a `sockaddr_un` for a filesystem socket path.
public enum UnixSocketAddress {
    /// nil when the path does not fit in `sun_path` (108 bytes on Linux, including the terminator).
    public static func make(_ path: String) -> sockaddr_un? {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !bytes.isEmpty, bytes.count < capacity else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return address
    }
}
