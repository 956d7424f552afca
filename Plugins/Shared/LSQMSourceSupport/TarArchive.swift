import Foundation
import LSQMBasics
import LSQMPluginKit

/// Reads a tar archive (ustar, with GNU long names and pax `path`/`linkpath`) as hostile input.
///
/// Nothing is written to disk here: entries come back as relative paths and bytes. These are refused and
/// recorded, never returned: paths that are absolute or contain `..` (after the archive's top folder is
/// stripped), symbolic and hard links (a link is never followed; one pointing outside the tree is named as
/// such), device files, FIFOs and other special entries, files over `maxFileBytes`, and anything past
/// `maxEntries`. Directories are implied by file paths and not returned.
public struct TarArchive: Sendable {
    public struct Entry: Sendable, Equatable {
        public var path: String
        public var content: Data
    }

    public struct Refusal: Sendable, Equatable, Codable {
        public var path: String
        public var reason: String
    }

    public var files: [Entry] = []
    public var refused: [Refusal] = []

    public struct Limits: Sendable {
        public var maxFileBytes: Int
        public var maxEntries: Int
        public init(maxFileBytes: Int = PluginLimits.maxFileBytes, maxEntries: Int = 100_000) {
            self.maxFileBytes = maxFileBytes; self.maxEntries = maxEntries
        }
    }

    /// Parses `data`. `stripComponents` drops leading folders (GitHub tarballs wrap everything in
    /// `owner-repo-sha/`). Throws only when the archive itself is unreadable.
    public static func read(_ data: Data, stripComponents: Int = 0, limits: Limits = Limits()) throws -> TarArchive {
        var archive = TarArchive()
        let bytes = [UInt8](data)
        var offset = 0
        var longName: String?
        var longLink: String?
        var paxPath: String?
        var paxLink: String?
        var entries = 0
        while offset + 512 <= bytes.count {
            let header = Array(bytes[offset..<offset + 512])
            if header.allSatisfy({ $0 == 0 }) { break }
            guard TarArchive.checksumMatches(header) else {
                throw LSQMError(.invalidInput, action: "read a tar archive", cause: "header checksum mismatch at byte \(offset)")
            }
            let size = TarArchive.octal(header[124..<136])
            let type = header[156]
            let dataStart = offset + 512
            let padded = (size + 511) / 512 * 512
            guard size >= 0, dataStart + size <= bytes.count else {
                throw LSQMError(.invalidInput, action: "read a tar archive", cause: "an entry at byte \(offset) runs past the end")
            }
            offset = dataStart + padded
            let payload = { Data(bytes[dataStart..<dataStart + size]) }
            switch type {
            case UInt8(ascii: "L"): longName = TarArchive.cString(payload()); continue
            case UInt8(ascii: "K"): longLink = TarArchive.cString(payload()); continue
            case UInt8(ascii: "x"):
                let pax = TarArchive.paxRecords(payload())
                paxPath = pax["path"]; paxLink = pax["linkpath"]
                continue
            case UInt8(ascii: "g"): continue
            default: break
            }
            entries += 1
            var name = paxPath ?? longName ?? TarArchive.headerName(header)
            let link = paxLink ?? longLink ?? TarArchive.cString(Data(header[157..<257]))
            longName = nil; longLink = nil; paxPath = nil; paxLink = nil
            if entries > limits.maxEntries {
                archive.refused.append(Refusal(path: name, reason: "past the archive's entry limit of \(limits.maxEntries)"))
                continue
            }
            let original = name
            guard let relative = TarArchive.safeRelativePath(&name, stripComponents: stripComponents) else {
                archive.refused.append(Refusal(path: original, reason: name))
                continue
            }
            if relative.isEmpty { continue }
            // The same path rule as for a plugin's files (a .git component, control characters, …).
            if let problem = PluginLimits.pathProblem(relative) {
                archive.refused.append(Refusal(path: relative, reason: problem))
                continue
            }
            switch type {
            case 0, UInt8(ascii: "0"), UInt8(ascii: "7"):
                if size > limits.maxFileBytes {
                    archive.refused.append(Refusal(path: relative, reason: "larger than \(limits.maxFileBytes) bytes (\(size))"))
                } else {
                    archive.files.append(Entry(path: relative, content: payload()))
                }
            case UInt8(ascii: "5"):
                continue
            case UInt8(ascii: "1"), UInt8(ascii: "2"):
                let kind = type == UInt8(ascii: "1") ? "hard link" : "symbolic link"
                let outside = TarArchive.linkEscapes(from: relative, target: link, hard: type == UInt8(ascii: "1"), stripComponents: stripComponents)
                archive.refused.append(
                    Refusal(
                        path: relative,
                        reason: outside ? "\(kind) to \(link), which points outside the archive" : "\(kind) to \(link) (links are never extracted)"))
            case UInt8(ascii: "3"), UInt8(ascii: "4"):
                archive.refused.append(Refusal(path: relative, reason: "device file"))
            case UInt8(ascii: "6"):
                archive.refused.append(Refusal(path: relative, reason: "FIFO"))
            default:
                archive.refused.append(Refusal(path: relative, reason: "unsupported tar entry type \(Character(UnicodeScalar(type)))"))
            }
        }
        return archive
    }

    /// The path with the first `stripComponents` folders removed, or nil with `name` set to the reason it is
    /// unsafe. An empty result is the stripped folder itself.
    static func safeRelativePath(_ name: inout String, stripComponents: Int) -> String? {
        if name.hasPrefix("/") { name = "absolute path"; return nil }
        let parts = name.split(separator: "/", omittingEmptySubsequences: true).map(String.init).filter { $0 != "." }
        if parts.contains("..") { name = "path contains '..'"; return nil }
        if parts.contains(where: { $0.contains("\0") || $0.contains("\\") }) { name = "path contains a NUL or backslash"; return nil }
        return parts.dropFirst(stripComponents).joined(separator: "/")
    }

    /// True when a link's target resolves outside the extracted tree.
    static func linkEscapes(from path: String, target: String, hard: Bool, stripComponents: Int) -> Bool {
        if target.hasPrefix("/") { return true }
        // A hard link names a path from the archive root; a symbolic link is relative to its own folder.
        var stack: [String] = hard ? [] : path.split(separator: "/").dropLast().map(String.init)
        let targetParts = target.split(separator: "/").map(String.init)
        for (index, part) in targetParts.enumerated() {
            if part == "." || part.isEmpty { continue }
            if part == ".." {
                if stack.isEmpty { return true }
                stack.removeLast()
            } else if !(hard && index < stripComponents) {
                stack.append(part)
            }
        }
        return false
    }

    static func checksumMatches(_ header: [UInt8]) -> Bool {
        let stored = octal(header[148..<156])
        var sum = 0
        for (index, byte) in header.enumerated() { sum += (148..<156).contains(index) ? 32 : Int(byte) }
        return stored == sum
    }

    static func octal(_ field: ArraySlice<UInt8>) -> Int {
        // GNU base-256 for sizes over 8 GB: far past any limit, treat as oversized.
        if let first = field.first, first & 0x80 != 0 { return Int.max / 2 }
        let text = String(decoding: field.prefix { $0 != 0 && $0 != 32 }, as: UTF8.self)
        return Int(text.trimmingCharacters(in: .whitespaces), radix: 8) ?? 0
    }

    static func cString(_ data: Data) -> String {
        String(decoding: data.prefix { $0 != 0 }, as: UTF8.self)
    }

    static func headerName(_ header: [UInt8]) -> String {
        let name = cString(Data(header[0..<100]))
        let isUstar = header[257..<262].elementsEqual("ustar".utf8)
        let prefix = isUstar ? cString(Data(header[345..<500])) : ""
        return prefix.isEmpty ? name : "\(prefix)/\(name)"
    }

    /// pax extended header records: `"<len> key=value\n"`.
    static func paxRecords(_ data: Data) -> [String: String] {
        var result: [String: String] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            guard let space = line.firstIndex(of: " ") else { continue }
            let record = line[line.index(after: space)...]
            guard let equals = record.firstIndex(of: "=") else { continue }
            result[String(record[..<equals])] = String(record[record.index(after: equals)...])
        }
        return result
    }
}

/// Writes a tar archive (ustar): tests use it to serve tarballs, including hostile ones.
public struct TarWriter: Sendable {
    public enum EntryType: UInt8, Sendable { case file = 48, hardLink = 49, symlink = 50, characterDevice = 51, directory = 53, fifo = 54 }
    private var data = Data()

    public init() {}

    public mutating func add(path: String, content: Data = Data(), type: EntryType = .file, linkTarget: String = "") {
        var header = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int, length: Int) {
            for (index, byte) in text.utf8.prefix(length).enumerated() { header[offset + index] = byte }
        }
        func putOctal(_ value: Int, at offset: Int, length: Int) {
            let text = String(value, radix: 8)
            put(String(repeating: "0", count: max(length - 1 - text.count, 0)) + text, at: offset, length: length - 1)
        }
        var name = path
        if name.utf8.count > 100 {
            // Long names go in a GNU 'L' record before the entry, as GNU tar writes them.
            var long = [UInt8](repeating: 0, count: 512)
            for (index, byte) in "././@LongLink".utf8.enumerated() { long[index] = byte }
            data.append(contentsOf: TarWriter.finish(long, size: name.utf8.count + 1, type: UInt8(ascii: "L")))
            var payload = Data(name.utf8); payload.append(0)
            data.append(payload)
            data.append(Data(count: (512 - payload.count % 512) % 512))
            name = String(name.utf8.prefix(100)) ?? ""
        }
        put(name, at: 0, length: 100)
        putOctal(type == .directory ? 0o755 : 0o644, at: 100, length: 8)
        putOctal(0, at: 108, length: 8)
        putOctal(0, at: 116, length: 8)
        putOctal(type == .file ? content.count : 0, at: 124, length: 12)
        putOctal(0, at: 136, length: 12)
        put(linkTarget, at: 157, length: 100)
        put("ustar", at: 257, length: 6)
        put("00", at: 263, length: 2)
        data.append(contentsOf: TarWriter.finish(header, size: type == .file ? content.count : 0, type: type.rawValue))
        if type == .file {
            data.append(content)
            data.append(Data(count: (512 - content.count % 512) % 512))
        }
    }

    private static func finish(_ header: [UInt8], size: Int, type: UInt8) -> [UInt8] {
        var header = header
        let sizeText = String(size, radix: 8)
        let padded = String(repeating: "0", count: max(11 - sizeText.count, 0)) + sizeText
        for (index, byte) in padded.utf8.enumerated() { header[124 + index] = byte }
        header[156] = type
        if header[257] == 0 { for (index, byte) in "ustar".utf8.enumerated() { header[257 + index] = byte } }
        for index in 148..<156 { header[index] = 32 }
        let sum = header.reduce(0) { $0 + Int($1) }
        let text = String(sum, radix: 8)
        let field = String(repeating: "0", count: max(6 - text.count, 0)) + text
        for (index, byte) in field.utf8.enumerated() { header[148 + index] = byte }
        header[154] = 0
        header[155] = 32
        return header
    }

    /// The archive with its two zero end blocks.
    public var archive: Data { data + Data(count: 1024) }
}
