/// BERT and RoBERTa encoders (transformers `modeling_bert.py`, `modeling_roberta.py`).
/// Tensors: `<base>.embeddings.{word, position, token_type}_embeddings`, `embeddings.LayerNorm`,
/// per layer `<base>.encoder.layer.N.{attention.self.{query, key, value}, attention.output.{dense,
/// LayerNorm}, intermediate.dense, output.{dense, LayerNorm}}`, then the masked-LM head
/// (`cls.predictions.{transform.{dense, LayerNorm}, bias}` for BERT, `lm_head.{dense, layer_norm,
/// bias}` for RoBERTa; its decoder is tied to the word embeddings and not saved) or the pooler
/// (`BertModel`/`RobertaModel`). Init: normal(0, initializer_range) for Linear and Embedding,
/// zero biases, LayerNorm ones/zeros, padding rows zeroed (`pad_token_id`; RoBERTa's position
/// embeddings pad at the same index).
extension HFFamily {
    static let bert = encoder(name: "BERT", modelType: "bert", base: "bert", classPrefix: "Bert", padDefault: 0)
    static let roberta = encoder(name: "RoBERTa", modelType: "roberta", base: "roberta", classPrefix: "Roberta", padDefault: 1)

    static func encoder(name: String, modelType: String, base: String, classPrefix: String, padDefault: Int) -> HFFamily {
        let architectures = ["\(classPrefix)ForMaskedLM", "\(classPrefix)Model"]
        return HFFamily(
            name: name, modelTypes: [modelType], architectures: architectures,
            fields: ["vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
                     "max_position_embeddings", "type_vocab_size", "pad_token_id", "position_embedding_type",
                     "tie_word_embeddings", "is_decoder", "add_cross_attention", "initializer_range"],
            build: { config throws(HFConfigError) in
                let arch = try config.architecture(supported: architectures)
                let vocab = try config.int("vocab_size")
                let hidden = try config.int("hidden_size", default: 768)
                let layers = try config.int("num_hidden_layers", default: 12, allowZero: true)
                let heads = try config.int("num_attention_heads", default: 12)
                let inter = try config.int("intermediate_size", default: 3072)
                let positions = try config.int("max_position_embeddings", default: 512)
                let types = try config.int("type_vocab_size", default: 2)
                let std = try config.double("initializer_range", default: 0.02)
                let pad = try config.paddingRow(rows: vocab, default: padDefault)
                guard hidden % heads == 0 else {
                    throw config.error("inconsistent config: num_attention_heads (\(heads)) does not divide hidden_size (\(hidden))")
                }
                let positionType = try config.string("position_embedding_type", default: "absolute")
                guard positionType == "absolute" else {
                    throw config.error("position_embedding_type \"\(positionType)\" is not supported by ckpt (only \"absolute\")")
                }
                let decoder = try config.bool("is_decoder", default: false)
                let cross = try config.bool("add_cross_attention", default: false)
                if decoder || cross {
                    throw config.error("a \(name) decoder (is_decoder / add_cross_attention) is not supported by ckpt")
                }
                guard try config.bool("tie_word_embeddings", default: true) else {
                    throw config.error("tie_word_embeddings: false is not supported by ckpt for \(name)")
                }
                let masked = arch.hasSuffix("ForMaskedLM")
                let b = masked ? base + "." : ""
                func dense(_ n: String, out: Int, in input: Int) -> [HFTensor] { [.linear(n, out: out, in: input, std: std), .bias(n, out)] }
                func layerNorm(_ n: String) -> [HFTensor] {
                    [.norm(n, hidden, module: "nn.LayerNorm"), .normBias(n, hidden, module: "nn.LayerNorm")]
                }
                var t: [HFTensor] = [
                    .embedding(b + "embeddings.word_embeddings", rows: vocab, width: hidden, std: std, padding: pad),
                    // RoBERTa's position embeddings take padding_idx = pad_token_id (RobertaEmbeddings).
                    .embedding(b + "embeddings.position_embeddings", rows: positions, width: hidden, std: std,
                               padding: modelType == "roberta" ? pad.flatMap { $0 < positions ? $0 : nil } : nil),
                    .embedding(b + "embeddings.token_type_embeddings", rows: types, width: hidden, std: std, padding: nil),
                ]
                t += layerNorm(b + "embeddings.LayerNorm")
                for i in 0..<layers {
                    let p = "\(b)encoder.layer.\(i)."
                    for proj in ["query", "key", "value"] { t += dense(p + "attention.self." + proj, out: hidden, in: hidden) }
                    t += dense(p + "attention.output.dense", out: hidden, in: hidden)
                    t += layerNorm(p + "attention.output.LayerNorm")
                    t += dense(p + "intermediate.dense", out: inter, in: hidden)
                    t += dense(p + "output.dense", out: hidden, in: inter)
                    t += layerNorm(p + "output.LayerNorm")
                }
                var tied: [String] = []
                if masked {
                    if modelType == "roberta" {
                        t += dense("lm_head.dense", out: hidden, in: hidden)
                        t += layerNorm("lm_head.layer_norm")
                        t.append(HFTensor(name: "lm_head.bias", shape: [vocab], kind: .bias, module: "RobertaLMHead", value: .constant(0)))
                        tied.append("\(b)embeddings.word_embeddings.weight ← lm_head.decoder.weight; lm_head.bias ← lm_head.decoder.bias")
                    } else {
                        t += dense("cls.predictions.transform.dense", out: hidden, in: hidden)
                        t += layerNorm("cls.predictions.transform.LayerNorm")
                        t.append(HFTensor(name: "cls.predictions.bias", shape: [vocab], kind: .bias, module: "BertLMPredictionHead", value: .constant(0)))
                        tied.append("\(b)embeddings.word_embeddings.weight ← cls.predictions.decoder.weight; cls.predictions.bias ← cls.predictions.decoder.bias")
                    }
                } else {
                    t += dense("pooler.dense", out: hidden, in: hidden)
                }
                return HFModel(family: name, architecture: arch, tensors: t, tied: tied, dtype: nil, generates: false)
            })
    }
}
