import Crypto
import Foundation

/// SHA-256, the one hash lsqm identifies content with (architectures, apps, Terraform, cache keys, the report's
/// script hash). Every module and plugin hashes through this type, which is swift-crypto's `SHA256` (BoringSSL's
/// assembly on Linux, CryptoKit on Apple platforms) behind the small API lsqm's call sites use: `update` with
/// bytes or text, then the digest as bytes or lowercase hex. Digests are FIPS 180-4's, so identities computed
/// before swift-crypto replaced lsqm's own implementation stay the same (HashingTests pins them).
public struct SHA256: Sendable {
    private var hasher = Crypto.SHA256()

    public init() {}

    public mutating func update(_ data: Data) { hasher.update(data: data) }

    public mutating func update(_ bytes: [UInt8]) { hasher.update(data: bytes) }

    public mutating func update(_ raw: UnsafeRawBufferPointer) { hasher.update(bufferPointer: raw) }

    public mutating func update(_ string: String) {
        var text = string
        text.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
    }

    /// The digest as 64 lowercase hex characters.
    public func finalizeHex() -> String { SHA256.hex(bytes: finalize()) }

    public func finalize() -> [UInt8] { Array(hasher.finalize()) }

    public static func hex(_ data: Data) -> String { hex(bytes: Array(Crypto.SHA256.hash(data: data))) }

    public static func hex(_ string: String) -> String {
        var hasher = SHA256()
        hasher.update(string)
        return hasher.finalizeHex()
    }

    private static let digits = Array("0123456789abcdef".utf8)

    private static func hex(bytes: [UInt8]) -> String {
        var text = [UInt8]()
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
