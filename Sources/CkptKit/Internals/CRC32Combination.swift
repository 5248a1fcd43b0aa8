import CZlib

/// CRC-32s of consecutive byte ranges combined into the CRC-32 of their concatenation (zlib's
/// `crc32_combine`), so a checksum can be assembled from ranges written, or read, apart.
enum CRC32Combination {
    /// The CRC-32 of bytes A followed by bytes B, from the CRC-32 of A, that of B and B's length.
    static func combine(_ first: UInt32, _ second: UInt32, secondLength: Int) -> UInt32 {
        UInt32(truncatingIfNeeded: crc32_combine(uLong(first), uLong(second), Int(secondLength)))
    }
}
