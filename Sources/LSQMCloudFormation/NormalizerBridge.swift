import Foundation
import LSQMBasics

/// Converts between the plugin kit's message types and this module's: both follow the normalize schema of
/// lsqm_plugin.h, so the JSON one encodes is the JSON the other decodes (no field-by-field copy to drift).
public enum NormalizerBridge {
    public static func run<Request: Encodable, Response: Decodable>(
        _ request: Request, _ translate: (NormalizeRequest) -> NormalizeResponse
    ) throws -> Response {
        let ours = try JSONCoding.decode(NormalizeRequest.self, from: JSONCoding.encode(request, pretty: false))
        return try JSONCoding.decode(Response.self, from: JSONCoding.encode(translate(ours), pretty: false))
    }
}
