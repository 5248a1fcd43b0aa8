// libFuzzer target for the JSON parser and, on what parses, the Keras model reader and the
// planner (what `ckpt plan` / `ckpt init` do with a model.json).
@testable import CkptKit
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = [UInt8](UnsafeBufferPointer(start: data, count: size))
    let json: JSONValue
    do {
        json = try JSONParser.parse(bytes)
    } catch {
        return 0
    }
    // The text entry point too (it transcodes invalid UTF-8 before parsing).
    _ = try? KerasModelReader(file: "model.json").read(text: String(decoding: bytes, as: UTF8.self))
    let model: KerasModel
    do {
        model = try KerasModelReader(file: "model.json").read(json: json)
    } catch {
        FuzzErrors.check(error, path: "model.json")
        return 0
    }
    for respect in [false, true] {
        do {
            // As `ckpt plan` / `ckpt init` call it: the planner, its errors labelled with the file.
            _ = try Checkpoints.plan(model: model, file: "model.json", options: PlanOptions(respectConfig: respect))
        } catch {
            FuzzErrors.check(error, path: "model.json")
        }
    }
    return 0
}
