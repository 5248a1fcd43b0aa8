/// `keras.layers.ReversibleEmbedding` (Keras 3.15): an embedding that can also be called in
/// reverse, projecting hidden states back onto the vocabulary (a language model's tied or untied
/// output head).
///
/// Facts from `keras/src/layers/core/reversible_embedding.py`:
/// - `embeddings` (input_dim, output_dim), from `embeddings_initializer` (Keras default
///   `"uniform"`, RandomUniform ±0.05), as `Embedding`;
/// - with `tie_weights: false`, also `reverse_embeddings` (output_dim, input_dim) from the same
///   initializer: a projection from output_dim to input_dim, so ckpt gives it dense fans
///   (fan_in = output_dim) and the torch and flax profiles treat it as a bias-free Linear/Dense;
/// - the forward call's output shape is the input's plus `[output_dim]`; the reverse call
///   (`reverse=True`, a call option in the model's JSON) replaces the last dimension by
///   input_dim.
///
/// This file is the whole of what ckpt knows about the class: its line in ``LayerRegistry/all``
/// registers it.
enum ReversibleEmbedding {
    static let descriptor = LayerDescriptor(
        className: "ReversibleEmbedding", family: .core, kind: .embedding,
        shape: .computed { (layer: KerasLayer, inputs: [[Int?]], options: JSONObject) throws(ModelError) -> [[Int?]] in
            guard inputs.count == 1, let input = inputs.first else { throw ModelError("\(layer.label) takes one input, got \(inputs.count)") }
            let reader = ConfigReader(layer: layer)
            // The reverse call projects the last axis (output_dim) onto the vocabulary.
            if options["reverse"]?.bool == true {
                guard !input.isEmpty else { throw ModelError("\(layer.label): a reverse call needs an input of rank ≥ 1") }
                return [Array(input.dropLast()) + [try reader.positiveInt("input_dim")]]
            }
            return [input + [try reader.positiveInt("output_dim")]]
        },
        variables: { (layer: KerasLayer) throws(ModelError) -> [VariableSpec] in
            let reader = ConfigReader(layer: layer)
            if let quantization = layer.config["quantization_config"], !quantization.isNull {
                throw ModelError("\(layer.label): a quantized ReversibleEmbedding (quantization_config) has integer variables; ckpt writes float checkpoints of unquantized layers")
            }
            let inputDim = try reader.positiveInt("input_dim")
            let outputDim = try reader.positiveInt("output_dim")
            var result = [VariableSpec("embeddings", [inputDim, outputDim], role: .embeddings,
                                       initializerKey: "embeddings_initializer", kerasDefault: "uniform")
                .with(.embedding(vocabulary: inputDim, dim: outputDim))]
            if !(try reader.bool("tie_weights", default: true)) {
                result.append(VariableSpec("reverse_embeddings", [outputDim, inputDim], role: .kernel,
                                           initializerKey: "embeddings_initializer", kerasDefault: "uniform")
                    .with(.dense(inputs: outputDim, outputs: inputDim)))
            }
            return result
        })
}
