import Foundation
import LSQMBasics

/// The on-disk ETag cache behind conditional requests: a GET the server answered with an `ETag` (or
/// `Last-Modified`) is kept, the next identical GET carries `If-None-Match`, and a 304 is answered from here.
///
/// Entries live under `<directory>/<2 hex>/<key>.json` (validators, status, headers) and `<key>.body`. The body
/// is written before the metadata, both atomically, so a killed run leaves either a whole entry or an entry
/// without metadata, which is a miss.
struct HTTPCache: Sendable {
    struct Entry: Codable, Sendable {
        var url: String
        var etag: String?
        var lastModified: String?
        var status: Int
        var headers: [String: String]

        enum CodingKeys: String, CodingKey {
            case url, etag, status, headers
            case lastModified = "last_modified"
        }
    }

    let directory: URL

    /// Headers a cached answer keeps: what a plugin may read (pagination, content type), never cookies.
    private static let droppedHeaders: Set<String> = ["set-cookie", "content-length", "transfer-encoding", "connection", "date"]

    /// The identity of a request for caching: method, URL and the headers that change the representation.
    static func key(method: String, url: URL, headers: [String: String]) -> String {
        var text = "\(method.uppercased()) \(url.absoluteString)"
        for (name, value) in headers.sorted(by: { $0.key.lowercased() < $1.key.lowercased() }) where name.lowercased() == "accept" {
            text += "\n\(name.lowercased()): \(value)"
        }
        return SHA256.hex(text)
    }

    private func paths(_ key: String) -> (meta: URL, body: URL) {
        let folder = directory.appendingPathComponent(String(key.prefix(2)), isDirectory: true)
        return (folder.appendingPathComponent("\(key).json"), folder.appendingPathComponent("\(key).body"))
    }

    func lookup(_ key: String) -> (entry: Entry, body: Data)? {
        let (meta, body) = paths(key)
        guard let metaData = try? Data(contentsOf: meta),
            let entry = try? JSONCoding.decode(Entry.self, from: metaData),
            entry.etag != nil || entry.lastModified != nil,
            let bodyData = try? Data(contentsOf: body)
        else { return nil }
        return (entry, bodyData)
    }

    /// Keeps a 2xx answer that carries a validator; anything else is not worth a conditional request.
    func store(_ key: String, url: URL, response: HTTPClient.Response) throws {
        let etag = response.header("etag")
        let lastModified = response.header("last-modified")
        guard (200..<300).contains(response.status), etag != nil || lastModified != nil else { return }
        let (meta, body) = paths(key)
        try AtomicFile.write(response.body, to: body)
        let headers = response.headers.filter { !HTTPCache.droppedHeaders.contains($0.key) }
        try AtomicFile.writeJSON(
            Entry(
                url: HTTPClient.redactedURL(url), etag: etag, lastModified: lastModified,
                status: response.status, headers: headers), to: meta)
    }
}
