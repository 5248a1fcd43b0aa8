// libFuzzer target for Hugging Face `config.json` files: the JSON parser, the content check that
// tells a config from a Keras model or compact spec, the family readers (every field read and
// checked, unknown fields refused), the planner under both profiles, and what `ckpt plan`,
// `ckpt init` and the folder writer compute from the plan (sizes, shards, generation config).
@testable import CkptKit
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHFConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = [UInt8](UnsafeBufferPointer(start: data, count: size))
    guard let json = try? JSONParser.parse(bytes), HFConfig.recognizes(json) else { return 0 }
    let model: HFModel
    do {
        model = try HFFamilies.model(json: json, file: "config.json")
    } catch {
        FuzzErrors.check(error, path: "config.json")
        return 0
    }
    for profile in [Profile.hf, .vllmDummy] {
        do {
            let plan = try Checkpoints.planHuggingFace(model, file: "config.json", options: PlanOptions(profile: profile))
            // What `ckpt plan`'s table and `plan --json` compute: no size may trap.
            _ = (plan.parameterCount, plan.byteCount)
            let sizes = plan.entries.map { $0.info.byteCount }
            _ = plan.json
            // The folder's shards as `ckpt init -o DIR` cuts them (default and a small limit).
            _ = SafetensorsShardPlan.make(sizes: sizes, maxShardBytes: nil, targetName: "model.safetensors")
            _ = SafetensorsShardPlan.make(sizes: sizes, maxShardBytes: 1 << 16, targetName: "model.safetensors")
        } catch {
            FuzzErrors.check(error, path: "config.json")
        }
    }
    // The folder's small files: generation_config.json from the same bytes.
    _ = Checkpoints.huggingFaceFolderFiles(model: model, configBytes: bytes)
    return 0
}
