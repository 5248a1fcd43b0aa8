// libFuzzer target for the safetensors reader: the 8-byte length, the JSON header and its
// offsets, `__metadata__` (including ckpt's own keys), and the sharded form.
//
// An input starting with `{` whose first 8 bytes, read as the little-endian header length, exceed
// the header size limit (so it could only be refused as a single file) is a sharded checkpoint:
// the index JSON, then up to three shards, each introduced by the separator below, written as
// a.safetensors, b.safetensors and c.safetensors beside `model.safetensors.index.json`.
// Anything else is one `.safetensors` file.
@testable import CkptKit
import FuzzSupport

let separator = Array("\n\u{0}--shard--\u{0}\n".utf8)
let shardNames = ["a.safetensors", "b.safetensors", "c.safetensors"]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    let path: String
    if isIndex(input) {
        let parts = split(input)
        path = FuzzInput.write(parts[0], to: "model.safetensors.index.json")
        for (i, name) in shardNames.enumerated() {
            if i + 1 < parts.count {
                FuzzInput.write(parts[i + 1], to: name)
            } else {
                FuzzInput.remove(name)
            }
        }
    } else {
        path = FuzzInput.write(input, to: "input.safetensors")
    }
    do {
        let reader = try SafetensorsReader(path: path)
        _ = reader.kerasPaths.count + reader.legacyLocations.count
        try FuzzRead.readAll(reader)
    } catch {
        FuzzErrors.check(error, path: path)
    }
    return 0
}

/// Whether the input is an index and its shards (see the top of the file).
func isIndex(_ input: UnsafeRawBufferPointer) -> Bool {
    guard input.first == UInt8(ascii: "{") else { return false }
    var length: UInt64 = 0
    for (i, byte) in input.prefix(8).enumerated() { length |= UInt64(byte) << (8 * UInt64(i)) }
    return input.count < 8 || length > UInt64(SafetensorsHeader.maximumHeaderSize)
}

/// The input cut at each separator (at most four parts; the rest stays in the last).
func split(_ input: UnsafeRawBufferPointer) -> [UnsafeRawBufferPointer] {
    var parts: [UnsafeRawBufferPointer] = []
    var start = 0
    var i = 0
    while i + separator.count <= input.count, parts.count < 3 {
        if input[i] == separator[0], input[i..<(i + separator.count)].elementsEqual(separator) {
            parts.append(UnsafeRawBufferPointer(rebasing: input[start..<i]))
            i += separator.count
            start = i
        } else {
            i += 1
        }
    }
    parts.append(UnsafeRawBufferPointer(rebasing: input[start...]))
    return parts
}
