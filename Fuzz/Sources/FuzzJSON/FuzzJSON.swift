// libFuzzer target for the JSON parser and, on what parses, the spec readers (Keras 3 and Keras 2
// JSON, compact specs) with shape inference, the planner, and what `ckpt plan` (table and
// --json), `ckpt init` and `ckpt export-keras` compute from the plan.
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
            let plan = try Checkpoints.plan(model: model, file: "model.json", options: PlanOptions(respectConfig: respect))
            // What `ckpt plan`'s table and `plan --json` compute from it: no size may trap.
            _ = plan.parameterCount
            for entry in plan.entries { _ = (entry.info.elementCount, entry.info.byteCount) }
            _ = plan.json
            if !respect { _ = KerasJSONExporter.export(model) }
        } catch {
            FuzzErrors.check(error, path: "model.json")
        }
    }
    return 0
}
