import Foundation

/// Writes a zip archive with stored (uncompressed) entries. Lambda accepts these; offline there is no
/// `archive` provider, so lsqm builds the deployment packages itself. Entries are sorted and timestamps fixed
/// (1980-01-01), so the same files always give the same bytes and the same `source_code_hash`.
public enum ZipWriter {
    public static func archive(_ entries: [(path: String, data: Data)]) -> Data {
        var out = Data()
        var central = Data()
        let sorted = entries.sorted { $0.path < $1.path }
        for entry in sorted {
            let name = Data(entry.path.utf8)
            let crc = crc32(entry.data)
            let offset = UInt32(truncatingIfNeeded: out.count)
            // Local file header.
            out.append(le32(0x0403_4b50))
            out.append(le16(20)); out.append(le16(0)); out.append(le16(0))  // version, flags, method: store
            out.append(le16(0)); out.append(le16(0x21))  // time 00:00, date 1980-01-01
            out.append(le32(crc)); out.append(le32(UInt32(entry.data.count))); out.append(le32(UInt32(entry.data.count)))
            out.append(le16(UInt16(name.count))); out.append(le16(0))
            out.append(name); out.append(entry.data)
            // Central directory entry; external attributes give -rw-r--r-- (0644) on Unix.
            central.append(le32(0x0201_4b50))
            central.append(le16(0x031E)); central.append(le16(20)); central.append(le16(0)); central.append(le16(0))
            central.append(le16(0)); central.append(le16(0x21))
            central.append(le32(crc)); central.append(le32(UInt32(entry.data.count))); central.append(le32(UInt32(entry.data.count)))
            central.append(le16(UInt16(name.count))); central.append(le16(0)); central.append(le16(0))
            central.append(le16(0)); central.append(le16(0)); central.append(le32(0o100644 << 16))
            central.append(le32(offset)); central.append(name)
        }
        let centralOffset = UInt32(truncatingIfNeeded: out.count)
        out.append(central)
        out.append(le32(0x0605_4b50)); out.append(le16(0)); out.append(le16(0))
        out.append(le16(UInt16(sorted.count))); out.append(le16(UInt16(sorted.count)))
        out.append(le32(UInt32(central.count))); out.append(le32(centralOffset)); out.append(le16(0))
        return out
    }

    private static let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    public static func crc32(_ data: Data) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data { crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    private static func le16(_ v: UInt16) -> Data { withUnsafeBytes(of: v.littleEndian) { Data($0) } }
    private static func le32(_ v: UInt32) -> Data { withUnsafeBytes(of: v.littleEndian) { Data($0) } }
}
