import CkptKernels
import CZlib

/// A running CRC-32 (the zip and gzip polynomial), computed by the fastest `Kernel` the CPU
/// runs; every kernel gives zlib's `crc32` for every input.
struct CRC32: Sendable, Hashable {
    /// The checksum of all bytes seen so far.
    private(set) var value: UInt32 = 0

    /// Creates a checksum of no bytes.
    init() {}

    /// Continues a checksum whose bytes so far gave `value`.
    init(value: UInt32) {
        self.value = value
    }

    /// Adds `bytes` to the checksum, computed by `kernel` (lowered to what the CPU runs).
    mutating func update(_ bytes: UnsafeRawBufferPointer, kernel: Kernel = .detected) {
        guard let start = bytes.baseAddress, !bytes.isEmpty else { return }
        switch min(kernel, Kernel.best) {
        case .zlib:
            value = Self.zlib(value, start, bytes.count)
        case let vector:
            value = ckpt_crc32(Int32(vector.rawValue), value, start, bytes.count)
        }
    }

    /// Adds `bytes` to the checksum.
    mutating func update(_ bytes: [UInt8], kernel: Kernel = .detected) {
        bytes.withUnsafeBytes { update($0, kernel: kernel) }
    }

    /// zlib's `crc32`, which takes a 32-bit length: huge buffers go in pieces.
    private static func zlib(_ value: UInt32, _ start: UnsafeRawPointer, _ count: Int) -> UInt32 {
        var base = start.assumingMemoryBound(to: Bytef.self)
        var remaining = count
        var crc = uLong(value)
        while remaining > 0 {
            let piece = min(remaining, 1 << 30)
            crc = crc32(crc, base, uInt(piece))
            base += piece
            remaining -= piece
        }
        return UInt32(truncatingIfNeeded: crc)
    }
}
