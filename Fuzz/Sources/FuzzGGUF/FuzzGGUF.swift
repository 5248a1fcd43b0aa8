// libFuzzer target for the GGUF reader: the header (magic, version, counts, typed metadata with
// nested arrays, tensor infos, alignment) and every tensor's values (plain types and Q8_0,
// Q/K un-permuted for the llama architecture).
@testable import CkptKit
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGGUF(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    let path = FuzzInput.write(input, to: "input.gguf")
    do {
        let reader = try CheckpointReaders.open(path: path)
        try FuzzRead.readAll(reader)
    } catch {
        FuzzErrors.check(error, path: path)
    }
    return 0
}
