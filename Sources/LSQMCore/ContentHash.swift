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

/// Run ids sort by time, to the microsecond, and stay unique when runs overlap:
/// `yyyyMMddTHHmmssZ-UUUUUURR`, the UTC second, then the microsecond within it (6 digits) and 8 random bits.
///
/// The suffix keeps the shape of the ids of earlier lsqm versions (8 lowercase hex digits after the second),
/// so old ids still load and still sort by their second among new ones; what changed is that within one
/// second the later run now sorts later (it was a random suffix).
public enum RunID {
    /// The newest id this process issued in each second (a process issues a handful).
    private static let issued = Locked<[String: String]>([:])

    /// A new run's id (of `date`, default now). Within one second, never at or behind an id this process
    /// issued before: ids made back to back (or for the same date) stay unique and in call order.
    public static func make(date: Date = Date()) -> String {
        let id = format(date: date, random: UInt8.random(in: 0...UInt8.max))
        let second = String(id.prefix(17))
        return issued.withLock { issued in
            let chosen = issued[second].map { $0 >= id ? successor(of: $0) : id } ?? id
            issued[second] = chosen
            return chosen
        }
    }

    /// The id of a run started at `date`, with `random` as its last two hex digits.
    public static func format(date: Date, random: UInt8) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let seconds = date.timeIntervalSince1970.rounded(.down)
        let second = formatter.string(from: Date(timeIntervalSince1970: seconds))
        let micros = min(999_999, max(0, Int(((date.timeIntervalSince1970 - seconds) * 1_000_000).rounded(.down))))
        return "\(second)-\(String(format: "%06d%02x", micros, random))"
    }

    /// The id one microsecond after `id` (unchanged at the second's last microsecond: a million ids in one
    /// second is not a case lsqm has).
    private static func successor(of id: String) -> String {
        guard isValid(id), let micros = Int(id.suffix(8).prefix(6)), micros < 999_999 else { return id }
        return String(id.dropLast(8)) + String(format: "%06d", micros + 1) + id.suffix(2)
    }

    public static func isValid(_ id: String) -> Bool {
        id.range(of: #"^\d{8}T\d{6}Z-[0-9a-f]{8}$"#, options: .regularExpression) != nil
    }
}
