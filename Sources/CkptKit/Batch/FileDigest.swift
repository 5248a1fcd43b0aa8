/// SHA-256 checksums of files, as `sha256sum` prints them (lowercase hex).
enum FileDigest {
    /// Bytes read per call.
    static let chunkSize = 1 << 20

    /// The SHA-256 of the file at `path`.
    static func sha256(path: String) throws -> String {
        let file = try InputFile(path: path)
        var hasher = SHA256()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 64)
        defer { buffer.deallocate() }
        var position = 0
        while position < file.size {
            let count = min(chunkSize, file.size - position)
            let piece = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count])
            try file.read(into: piece, at: position)
            hasher.update(UnsafeRawBufferPointer(piece))
            position += count
        }
        return hex(hasher.finalize())
    }

    /// Lowercase hex of `bytes`.
    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
