import CZlib
import Foundation
import LSQMBasics

/// gzip over the system zlib: GitHub and module registries serve source as `.tar.gz`.
public enum Gzip {
    /// Inflates a gzip stream, refusing to produce more than `limit` bytes: a small hostile download must not
    /// become gigabytes in memory (a "zip bomb").
    public static func decompress(_ data: Data, limit: Int = 512 << 20) throws -> Data {
        var stream = z_stream()
        // 15 + 16: a 32 KB window and gzip framing.
        guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw LSQMError(.internal, action: "decompress a gzip stream", cause: "zlib could not start")
        }
        defer { inflateEnd(&stream) }
        var output = Data()
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        var input = [UInt8](data)
        let inputCount = input.count
        return try input.withUnsafeMutableBufferPointer { inputBuffer -> Data in
            stream.next_in = inputBuffer.baseAddress
            stream.avail_in = uInt(inputCount)
            while true {
                let (status, produced) = chunk.withUnsafeMutableBufferPointer { out -> (Int32, Int) in
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(out.count)
                    let status = inflate(&stream, Z_NO_FLUSH)
                    return (status, out.count - Int(stream.avail_out))
                }
                output.append(contentsOf: chunk[0..<produced])
                if output.count > limit {
                    throw LSQMError(.invalidInput, action: "decompress a gzip stream", cause: "it expands past \(limit) bytes")
                }
                if status == Z_STREAM_END { return output }
                guard status == Z_OK else {
                    throw LSQMError(.invalidInput, action: "decompress a gzip stream", cause: "the data is not valid gzip (zlib status \(status))")
                }
                if stream.avail_in == 0, produced == 0 {
                    throw LSQMError(.invalidInput, action: "decompress a gzip stream", cause: "the stream ends early")
                }
            }
        }
    }

    /// Compresses `data` as gzip (tests build tarballs with it).
    public static func compress(_ data: Data) throws -> Data {
        var stream = z_stream()
        guard
            deflateInit2_(
                &stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK
        else {
            throw LSQMError(.internal, action: "compress data as gzip", cause: "zlib could not start")
        }
        defer { deflateEnd(&stream) }
        var input = [UInt8](data)
        let inputCount = input.count
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(inputCount))) + 64)
        let outputCount = output.count
        let status = input.withUnsafeMutableBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { out -> Int32 in
                stream.next_in = inputBuffer.baseAddress
                stream.avail_in = uInt(inputCount)
                stream.next_out = out.baseAddress
                stream.avail_out = uInt(outputCount)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else {
            throw LSQMError(.internal, action: "compress data as gzip", cause: "zlib status \(status)")
        }
        return Data(output[0..<Int(stream.total_out)])
    }
}
