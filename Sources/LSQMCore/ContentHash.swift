import Foundation
import LSQMBasics

/// Identity by content (design.md "Data and identity").
public enum ContentHash {
    /// The full sha256 of an architecture's canonical content: its files sorted by relative path, each as
    /// `path NUL byte-count NUL bytes`. The length prefix makes the encoding unambiguous (no two different
    /// file sets share a byte stream), and sorting makes it independent of discovery order.
    public static func architecture(files: [(path: String, content: Data)]) -> String {
        var hasher = SHA256()
        for file in files.sorted(by: { $0.path < $1.path }) {
            hasher.update(file.path)
            hasher.update([0])
            hasher.update(String(file.content.count))
            hasher.update([0])
            hasher.update(file.content)
        }
        return hasher.finalizeHex()
    }

    /// A test app's id: its files plus the generator version, so a new generator gives new ids.
    public static func app(files: [(path: String, content: Data)], generatorVersion: String) -> String {
        architecture(files: files + [(path: "\u{0}generator-version", content: Data(generatorVersion.utf8))])
    }
}

/// Run ids sort by time and stay unique when runs overlap: UTC timestamp plus a random suffix.
public enum RunID {
    public static func make(date: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return "\(formatter.string(from: date))-\(String(repeating: "0", count: 8 - suffix.count))\(suffix)"
    }

    public static func isValid(_ id: String) -> Bool {
        id.range(of: #"^\d{8}T\d{6}Z-[0-9a-f]{8}$"#, options: .regularExpression) != nil
    }
}
