import Foundation
import LSQMPluginKit

/// Finds architectures listed in a catalog: `GET <catalog_url>` answers
/// `{"architectures": [{"id": "…", "name": "…", "main_tf": "…"}]}`. Config: `catalog_url` (required).
///
/// It shows the whole contract in a few lines: config from the deployment, HTTP only through the host (which
/// adds credentials, rate limits and caching, and allows a source GET/HEAD), known source URLs skipped,
/// `limit` and the cursor honoured, and errors as sentences.
public final class HelloSource: SourcePlugin {
    public static let name = "HelloSource"
    public static let version = "1.0.0"
    public static let description = "Architectures from a JSON catalog (the out-of-tree example plugin)"

    struct Catalog: Decodable {
        struct Entry: Decodable {
            var id: String; var name: String; var mainTF: String
            enum CodingKeys: String, CodingKey { case id, name; case mainTF = "main_tf" }
        }
        var architectures: [Entry]
    }

    private let host: PluginHost
    private let catalogURL: String

    public required init(host: PluginHost, config: JSONValue) throws {
        guard let url = config["catalog_url"]?.stringValue, !url.isEmpty else {
            throw PluginError("failed to configure HelloSource: config needs \"catalog_url\"")
        }
        self.host = host
        catalogURL = url
    }

    public func discover(_ request: DiscoverRequest) throws -> DiscoverResponse {
        let catalog = try host.getJSON(Catalog.self, url: catalogURL)
        let known = Set(request.knownSourceURLs)
        let start = Int(request.cursor ?? "0") ?? 0
        var response = DiscoverResponse()
        var index = start
        while index < catalog.architectures.count, response.architectures.count < request.limit {
            let entry = catalog.architectures[index]
            index += 1
            let sourceURL = "\(catalogURL)#\(entry.id)"
            if known.contains(sourceURL) { continue }
            response.architectures.append(
                DiscoveredItem(
                    sourceURL: sourceURL, name: entry.name, kind: "terraform",
                    files: [PluginFile(path: "main.tf", text: entry.mainTF)]))
        }
        response.nextCursor = index < catalog.architectures.count ? String(index) : nil
        host.log(.info, "HelloSource: \(response.architectures.count) architectures from \(catalogURL)")
        return response
    }
}

@_cdecl("lsqm_plugin_entry")
public func lsqm_plugin_entry() -> UnsafeRawPointer { PluginExport.source(HelloSource.self) }
