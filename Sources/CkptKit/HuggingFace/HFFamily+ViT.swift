/// ViT (transformers `modeling_vit.py`): `vit.embeddings.{cls_token [1, 1, H], position_embeddings
/// [1, patches + 1, H], patch_embeddings.projection [H, C, p, p] + bias}`, per layer
/// `vit.encoder.layer.N.{attention.attention.{query, key, value}, attention.output.dense,
/// intermediate.dense, output.dense, layernorm_before, layernorm_after}`, `vit.layernorm`, then
/// `classifier [labels, H]` (`ViTForImageClassification`, labels from `id2label`, else
/// `num_labels`, default 2) or `pooler.dense` (`ViTModel`). Init (`ViTPreTrainedModel._init_weights`):
/// Linear and Conv2d weights, the position embeddings and the CLS token `trunc_normal_(std=
/// initializer_range)` (cut at ±2, absolute), biases 0, LayerNorm 1/0.
extension HFFamily {
    static let vit = HFFamily(
        name: "ViT", modelTypes: ["vit"], architectures: ["ViTForImageClassification", "ViTModel"],
        fields: ["hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "image_size", "patch_size",
                 "num_channels", "qkv_bias", "id2label", "num_labels", "pooler_output_size", "initializer_range"],
        ignored: ["encoder_stride", "pooler_act"],
        build: { config throws(HFConfigError) in
            let arch = try config.architecture(supported: ["ViTForImageClassification", "ViTModel"])
            let hidden = try config.int("hidden_size", default: 768)
            let layers = try config.int("num_hidden_layers", default: 12, allowZero: true)
            let heads = try config.int("num_attention_heads", default: 12)
            let inter = try config.int("intermediate_size", default: 3072)
            let image = try config.int("image_size", default: 224)
            let patch = try config.int("patch_size", default: 16)
            let channels = try config.int("num_channels", default: 3)
            let qkvBias = try config.bool("qkv_bias", default: true)
            let std = try config.double("initializer_range", default: 0.02)
            guard hidden % heads == 0 else {
                throw config.error("inconsistent config: num_attention_heads (\(heads)) does not divide hidden_size (\(hidden))")
            }
            guard image % patch == 0 else {
                throw config.error("inconsistent config: patch_size (\(patch)) does not divide image_size (\(image))")
            }
            let patches = (image / patch) * (image / patch)
            func truncated(_ name: String, _ shape: [Int], kind: HFTensor.Kind = .linearWeight, module: String) -> HFTensor {
                HFTensor(name: name, shape: shape, kind: kind, module: module, value: .truncatedNormal(std: std))
            }
            func dense(_ n: String, out: Int, in input: Int, bias: Bool = true) -> [HFTensor] {
                [truncated(n + ".weight", [out, input], module: "nn.Linear")] + (bias ? [.bias(n, out)] : [])
            }
            func layerNorm(_ n: String) -> [HFTensor] {
                [.norm(n, hidden, module: "nn.LayerNorm"), .normBias(n, hidden, module: "nn.LayerNorm")]
            }
            let classify = arch == "ViTForImageClassification"
            let b = classify ? "vit." : ""
            var t: [HFTensor] = [
                truncated(b + "embeddings.cls_token", [1, 1, hidden], kind: .embedding, module: "ViTEmbeddings"),
                truncated(b + "embeddings.position_embeddings", [1, patches + 1, hidden], kind: .embedding, module: "ViTEmbeddings"),
                truncated(b + "embeddings.patch_embeddings.projection.weight", [hidden, channels, patch, patch], module: "nn.Conv2d"),
                .bias(b + "embeddings.patch_embeddings.projection", hidden, module: "nn.Conv2d"),
            ]
            for i in 0..<layers {
                let p = "\(b)encoder.layer.\(i)."
                for proj in ["query", "key", "value"] { t += dense(p + "attention.attention." + proj, out: hidden, in: hidden, bias: qkvBias) }
                t += dense(p + "attention.output.dense", out: hidden, in: hidden)
                t += dense(p + "intermediate.dense", out: inter, in: hidden)
                t += dense(p + "output.dense", out: hidden, in: inter)
                t += layerNorm(p + "layernorm_before")
                t += layerNorm(p + "layernorm_after")
            }
            t += layerNorm(b + "layernorm")
            if classify {
                // PretrainedConfig: num_labels is len(id2label) when id2label is given.
                let labels: Int
                if let map = config.value("id2label")?.object {
                    labels = map.members.count
                } else {
                    labels = try config.int("num_labels", default: 2)
                }
                t += dense("classifier", out: labels, in: hidden)
            } else {
                let pooled = try config.int("pooler_output_size", default: hidden)
                t += dense("pooler.dense", out: pooled, in: hidden)
            }
            return HFModel(family: "ViT", architecture: arch, tensors: t, tied: [], dtype: nil, generates: false)
        })
}
