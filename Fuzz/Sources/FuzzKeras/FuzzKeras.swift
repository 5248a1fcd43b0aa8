// libFuzzer target for the `.keras` archive reader: a zip holding config.json, metadata.json
// and model.weights.h5 (extracted to a temporary file and read with the HDF5 reader).
//
// Keras stores every member uncompressed, so a mutation inside config.json or the weights
// file would almost always end at the member's CRC-32 check and never reach the JSON or HDF5
// code. Before writing the input, the CRC-32 of each stored member is recomputed and patched
// into its local and central headers (the CRC check itself is fuzzed by FuzzNPZ).
@testable import CkptKit
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKeras(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    var bytes = [UInt8](UnsafeBufferPointer(start: data, count: size))
    fixStoredCRCs(&bytes)
    let path = bytes.withUnsafeBytes { FuzzInput.write($0, to: "input.keras") }
    do {
        let reader = try KerasArchiveReader(path: path)
        if let config = reader.modelConfig {
            // What `ckpt` does with an archive's config: read the model it describes.
            _ = try? KerasModelReader(file: path).read(text: config)
        }
        try FuzzRead.readAll(reader)
    } catch {
        FuzzErrors.check(error, path: path)
    }
    return 0
}

/// Patches the CRC-32 of every stored (method 0, non-ZIP64) member into its local header and
/// the central header that points at it. Leaves anything it cannot follow as it is.
func fixStoredCRCs(_ bytes: inout [UInt8]) {
    func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
    func u32(_ at: Int) -> Int { u16(at) | u16(at + 2) << 16 }
    func put32(_ value: UInt32, _ at: Int) {
        for i in 0..<4 { bytes[at + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(i))) }
    }
    func signature(_ at: Int, _ third: UInt8, _ fourth: UInt8) -> Bool {
        at + 4 <= bytes.count && bytes[at] == 0x50 && bytes[at + 1] == 0x4B && bytes[at + 2] == third && bytes[at + 3] == fourth
    }
    var crcAtOffset: [Int: UInt32] = [:]
    var i = 0
    while i + 30 <= bytes.count {
        guard signature(i, 3, 4) else { i += 1; continue }
        let method = u16(i + 8), compressed = u32(i + 18)
        let dataStart = i + 30 + u16(i + 26) + u16(i + 28)
        if method == 0, compressed != 0xFFFF_FFFF, dataStart + compressed <= bytes.count {
            var crc = CRC32()
            bytes.withUnsafeBytes { crc.update(UnsafeRawBufferPointer(rebasing: $0[dataStart..<(dataStart + compressed)])) }
            put32(crc.value, i + 14)
            crcAtOffset[i] = crc.value
            i = dataStart + compressed
        } else {
            i += 4
        }
    }
    i = 0
    while i + 46 <= bytes.count {
        guard signature(i, 1, 2) else { i += 1; continue }
        if let crc = crcAtOffset[u32(i + 42)] { put32(crc, i + 16) }
        i += 46
    }
}
