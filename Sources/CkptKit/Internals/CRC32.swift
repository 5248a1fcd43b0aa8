import CZlib

/// A running CRC-32 (the zip and gzip polynomial), computed by zlib.
struct CRC32: Sendable, Hashable {
    /// The checksum of all bytes seen so far.
    private(set) var value: UInt32 = 0

    /// Creates a checksum of no bytes.
    init() {}

    /// Adds `bytes` to the checksum.
    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var base = bytes.baseAddress?.assumingMemoryBound(to: Bytef.self) else { return }
        var remaining = bytes.count
        var crc = uLong(value)
        // zlib's crc32 takes a 32-bit length; feed huge buffers in pieces.
        while remaining > 0 {
            let piece = min(remaining, 1 << 30)
            crc = crc32(crc, base, uInt(piece))
            base += piece
            remaining -= piece
        }
        value = UInt32(truncatingIfNeeded: crc)
    }

    /// Adds `bytes` to the checksum.
    mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }
}
