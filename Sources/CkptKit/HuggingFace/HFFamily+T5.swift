/// T5 (transformers `modeling_t5.py`): `shared` embeddings (tied to `encoder.embed_tokens` and
/// `decoder.embed_tokens`, saved once), per encoder block `layer.0.SelfAttention.{q, k, v, o}`
/// (block 0 also `relative_attention_bias [num_buckets, heads]`), `layer.0.layer_norm`,
/// `layer.1.DenseReluDense.{wi | wi_0, wi_1, wo}`, `layer.1.layer_norm`; per decoder block the same
/// with `layer.1.EncDecAttention` between; `{encoder, decoder}.final_layer_norm`; `lm_head` is tied
/// (always, as transformers 5 does). No biases; norms are ones. Init (`T5PreTrainedModel._init_weights`,
/// factor f = `initializer_factor`): shared N(0, f), q N(0, f·(d_model·d_kv)^-½),
/// k and v N(0, f·d_model^-½), o N(0, f·(heads·d_kv)^-½), wi N(0, f·d_model^-½), wo N(0, f·d_ff^-½),
/// relative_attention_bias N(0, f·d_model^-½).
extension HFFamily {
    static let t5 = HFFamily(
        name: "T5", modelTypes: ["t5"], architectures: ["T5ForConditionalGeneration", "T5Model"],
        fields: ["vocab_size", "d_model", "d_kv", "d_ff", "num_layers", "num_decoder_layers", "num_heads",
                 "relative_attention_num_buckets", "feed_forward_proj", "tie_word_embeddings", "initializer_factor"],
        ignored: ["relative_attention_max_distance", "dropout_rate", "n_positions", "is_gated_act", "dense_act_fn"],
        build: { config throws(HFConfigError) in
            let arch = try config.architecture(supported: ["T5ForConditionalGeneration", "T5Model"])
            let vocab = try config.int("vocab_size", default: 32128)
            let d = try config.int("d_model", default: 512)
            let kv = try config.int("d_kv", default: 64)
            let ff = try config.int("d_ff", default: 2048)
            let layers = try config.int("num_layers", default: 6, allowZero: true)
            let decoderLayers = try config.int("num_decoder_layers", default: layers, allowZero: true)
            let heads = try config.int("num_heads", default: 8)
            let buckets = try config.int("relative_attention_num_buckets", default: 32)
            let projection = try config.string("feed_forward_proj", default: "relu")
            // transformers 5's T5Config always ties lm_head to shared: `tie_word_embeddings: false`
            // (T5 v1.1, Flan-T5) only turns off the decoder output scaling there
            // (configuration_t5.py, 5.25), and a separate lm_head would be loaded with a warning.
            // So lm_head is never written; transformers 4 read such configs with an untied head.
            _ = try config.bool("tie_word_embeddings", default: true)
            let f = try config.double("initializer_factor", default: 1)
            // T5Config: "gated-gelu" (T5 v1.1, Flan-T5) or a plain activation ("relu").
            let parts = projection.split(separator: "-")
            guard parts.count == 1 || (parts.count == 2 && parts[0] == "gated") else {
                throw config.error("feed_forward_proj \"\(projection)\" is not an activation or gated-{activation}")
            }
            let gated = parts.count == 2
            let inner = heads * kv
            func attention(_ p: String, relative: Bool) -> [HFTensor] {
                var t: [HFTensor] = [
                    .linear(p + "q", out: inner, in: d, std: f * Double(d * kv).squareRoot().reciprocal),
                    .linear(p + "k", out: inner, in: d, std: f * Double(d).squareRoot().reciprocal),
                    .linear(p + "v", out: inner, in: d, std: f * Double(d).squareRoot().reciprocal),
                    .linear(p + "o", out: d, in: inner, std: f * Double(inner).squareRoot().reciprocal),
                ]
                if relative {
                    t.append(HFTensor(name: p + "relative_attention_bias.weight", shape: [buckets, heads], kind: .embedding,
                                      module: "nn.Embedding", value: .normal(std: f * Double(d).squareRoot().reciprocal)))
                }
                return t
            }
            func feedForward(_ p: String) -> [HFTensor] {
                let wiStd = f * Double(d).squareRoot().reciprocal
                let wi: [HFTensor] = gated
                    ? [.linear(p + "wi_0", out: ff, in: d, std: wiStd), .linear(p + "wi_1", out: ff, in: d, std: wiStd)]
                    : [.linear(p + "wi", out: ff, in: d, std: wiStd)]
                return wi + [.linear(p + "wo", out: d, in: ff, std: f * Double(ff).squareRoot().reciprocal)]
            }
            let norm = { (n: String) in HFTensor.norm(n, d, module: "T5LayerNorm") }
            var t: [HFTensor] = [HFTensor(name: "shared.weight", shape: [vocab, d], kind: .embedding, module: "nn.Embedding", value: .normal(std: f))]
            for i in 0..<layers {
                let p = "encoder.block.\(i).layer."
                t += attention(p + "0.SelfAttention.", relative: i == 0)
                t.append(norm(p + "0.layer_norm"))
                t += feedForward(p + "1.DenseReluDense.")
                t.append(norm(p + "1.layer_norm"))
            }
            t.append(norm("encoder.final_layer_norm"))
            for i in 0..<decoderLayers {
                let p = "decoder.block.\(i).layer."
                t += attention(p + "0.SelfAttention.", relative: i == 0)
                t.append(norm(p + "0.layer_norm"))
                t += attention(p + "1.EncDecAttention.", relative: false)
                t.append(norm(p + "1.layer_norm"))
                t += feedForward(p + "2.DenseReluDense.")
                t.append(norm(p + "2.layer_norm"))
            }
            t.append(norm("decoder.final_layer_norm"))
            var tied = ["shared.weight ← encoder.embed_tokens.weight, decoder.embed_tokens.weight"]
            let head = arch == "T5ForConditionalGeneration"
            if head { tied[0] += ", lm_head.weight" }
            return HFModel(family: "T5", architecture: arch, tensors: t, tied: tied, dtype: nil, generates: head)
        })
}

private extension Double {
    var reciprocal: Double { 1 / self }
}
