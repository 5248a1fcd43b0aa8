import CkptKernels
import CZlib
import Testing
@testable import CkptKit

/// Every CRC-32 kernel the CPU runs gives zlib's `crc32`: every length to 300, every start
/// alignment, random lengths up to 4 MiB, and updates in random pieces.
@Suite("CRC-32")
struct CRC32Tests {
    static let kernels = CRC32.Kernel.supported

    /// 4 MiB + 64 bytes of reproducible noise.
    static let data: [UInt8] = {
        var rng = SplitMix(0xC4C3_2001)
        return (0..<((4 << 20) + 64) / 8).flatMap { _ in withUnsafeBytes(of: rng.next()) { Array($0) } }
    }()

    /// zlib's `crc32` of `bytes`, continuing from `start`.
    static func zlib(_ bytes: UnsafeRawBufferPointer, _ start: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: Bytef.self) else { return start }
        return UInt32(truncatingIfNeeded: crc32(uLong(start), base, uInt(bytes.count)))
    }

    static func crc(_ bytes: UnsafeRawBufferPointer, _ kernel: CRC32.Kernel, _ start: UInt32 = 0) -> UInt32 {
        var crc = CRC32(value: start)
        crc.update(bytes, kernel: kernel)
        return crc.value
    }

    @Test(arguments: CRC32.Kernel.allCases)
    func knownAnswers(_ kernel: CRC32.Kernel) {
        let cases: [(String, UInt32)] = [
            ("", 0), ("a", 0xE8B7_BE43), ("123456789", 0xCBF4_3926),
            ("The quick brown fox jumps over the lazy dog", 0x414F_A339),
            (String(repeating: "123456789", count: 100), 0x09FD_0FD7),  // Python: zlib.crc32(b"123456789" * 100)
        ]
        for (text, expected) in cases {
            var crc = CRC32()
            crc.update(Array(text.utf8), kernel: kernel)
            #expect(crc.value == expected, "\(kernel) \(text.prefix(20))")
        }
        for byte: UInt8 in [0, 0xFF] {
            let run = [UInt8](repeating: byte, count: (1 << 20) + 3)
            #expect(run.withUnsafeBytes { Self.crc($0, kernel) } == run.withUnsafeBytes { Self.zlib($0) }, "\(kernel) run of \(byte)")
        }
    }

    @Test(arguments: kernels)
    func everyLengthTo300(_ kernel: CRC32.Kernel) {
        Self.data.withUnsafeBytes { data in
            for count in 0...300 {
                let bytes = UnsafeRawBufferPointer(rebasing: data[5 ..< 5 + count])
                let start = UInt32(truncatingIfNeeded: count &* 0x9E37_79B9)
                #expect(Self.crc(bytes, kernel) == Self.zlib(bytes), "\(kernel) count \(count)")
                #expect(Self.crc(bytes, kernel, start) == Self.zlib(bytes, start), "\(kernel) count \(count) from \(start)")
            }
        }
    }

    @Test(arguments: kernels)
    func everyAlignment(_ kernel: CRC32.Kernel) {
        Self.data.withUnsafeBytes { data in
            for offset in 0..<64 {
                for count in [15, 16, 17, 63, 64, 65, 255, 256, 257, 319, 320, 1000, 4096 + 48, 65_536 + 13] {
                    let bytes = UnsafeRawBufferPointer(rebasing: data[offset ..< offset + count])
                    #expect(Self.crc(bytes, kernel, 0xDEAD_BEEF) == Self.zlib(bytes, 0xDEAD_BEEF), "\(kernel) offset \(offset) count \(count)")
                }
            }
        }
    }

    @Test(arguments: kernels)
    func randomLengths(_ kernel: CRC32.Kernel) {
        var rng = SplitMix(UInt64(kernel.rawValue) + 17)
        Self.data.withUnsafeBytes { data in
            for _ in 0..<40 {
                let count = Int(rng.next() % UInt64(4 << 20))
                let offset = Int(rng.next() % 64)
                let bytes = UnsafeRawBufferPointer(rebasing: data[offset ..< offset + count])
                #expect(Self.crc(bytes, kernel) == Self.zlib(bytes), "\(kernel) offset \(offset) count \(count)")
            }
        }
    }

    @Test(arguments: kernels)
    func piecesEqualOneShot(_ kernel: CRC32.Kernel) {
        var rng = SplitMix(UInt64(kernel.rawValue) + 99)
        Self.data.withUnsafeBytes { data in
            let whole = Self.zlib(UnsafeRawBufferPointer(rebasing: data[0 ..< 4 << 20]))
            for round in 0..<6 {
                // Pieces from 0 bytes to 1 MiB, most of them small on even rounds.
                let limit = round.isMultiple(of: 2) ? 700 : 1 << 20
                var crc = CRC32()
                var position = 0
                while position < 4 << 20 {
                    let count = min(Int(rng.next() % UInt64(limit + 1)), (4 << 20) - position)
                    crc.update(UnsafeRawBufferPointer(rebasing: data[position ..< position + count]), kernel: kernel)
                    position += count
                }
                #expect(crc.value == whole, "\(kernel) round \(round)")
            }
        }
    }

    /// The byte table of CkptKernels (inputs under 16 bytes, tails, and level 0 for everything).
    @Test func byteTable() {
        let everyByte = (0...255).map { UInt8($0) }
        everyByte.withUnsafeBytes { bytes in
            for count in 0...256 {
                let piece = UnsafeRawBufferPointer(rebasing: bytes[0 ..< count])
                #expect(ckpt_crc32(0, 0x1234_5678, piece.baseAddress, count) == Self.zlib(piece, 0x1234_5678), "count \(count)")
            }
        }
    }

    @Test func kernelsOfThisCPU() {
        #expect(CRC32.Kernel.supported.first == .zlib)
        #expect(CRC32.Kernel.detected <= CRC32.Kernel.best)
        #if arch(x86_64)
        // Every x86-64 CPU with AVX2 has PCLMULQDQ, so the folding path is what it runs.
        if KernelLevel.supported.contains(.avx2) { #expect(CRC32.Kernel.best >= .pclmul) }
        #endif
    }
}
