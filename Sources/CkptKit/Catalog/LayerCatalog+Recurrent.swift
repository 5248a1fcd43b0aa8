/// Recurrent layers (their variables live in the `cell` sub-layer) and the wrappers
/// Bidirectional and TimeDistributed.
///
/// Rules (docs/layers.md): the input kernel follows the activation table with the layer's
/// `activation` (tanh → Glorot); the recurrent kernel is orthogonal (gain 1); biases are zeros, an
/// LSTM/ConvLSTM bias with `unit_forget_bias` (Keras' default) gets ones on the forget gate.
extension LayerCatalog {
    /// The Keras cell class name (`lstm_cell`) and gate count of a recurrent layer.
    static func cell(of className: String) -> (name: String, gates: Int)? {
        switch className {
        case "SimpleRNN": return ("simple_rnn_cell", 1)
        case "LSTM": return ("lstm_cell", 4)
        case "GRU": return ("gru_cell", 3)
        case "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D": return ("conv_lstm_cell", 4)
        default: return nil
        }
    }

    static func recurrentVariables(_ layer: KerasLayer, input: [Int?], reader: ConfigReader) throws(ModelError) -> [VariableSpec] {
        guard let (cellName, gates) = cell(of: layer.className) else { throw ModelError("\(layer.label): no catalog entry") }
        let units: Int
        var kernelSize: [Int] = []
        let inputs: Int
        if layer.className.hasPrefix("ConvLSTM") {
            let rank = Int(String(layer.className.dropFirst(8).prefix(1))) ?? 2
            units = try reader.positiveInt("filters")
            kernelSize = try reader.intTuple("kernel_size", rank: rank)
            guard input.count == rank + 3 else {
                throw ModelError("\(layer.label): expects an input of rank \(rank + 3) (batch, time, \(rank) spatial axes, channels), got \(ShapeText.describe(input))")
            }
            // (batch, time, spatial…, C) or, channels_first, (batch, time, C, spatial…).
            let axis = try reader.channelAxis(rank: rank) == -1 ? -1 : 2
            inputs = try reader.dimension(input, axis, "the input channel dimension")
        } else {
            units = try reader.positiveInt("units")
            guard input.count == 3 else {
                throw ModelError("\(layer.label): expects an input of rank 3 (batch, time, features), got \(ShapeText.describe(input))")
            }
            inputs = try reader.dimension(input, -1, "the input feature dimension")
        }
        let activation = try reader.activation(default: "tanh")
        let width = try reader.product(gates, units, "the kernel width (gates × units)")
        var kernel = VariableSpec("kernel", kernelSize + [inputs, width], role: .kernel, initializerKey: "kernel_initializer",
                                  kerasDefault: "glorot_uniform", innerActivation: activation)
        kernel.fanSemantics = .recurrent(inputs: inputs, units: units, gates: gates, kernel: kernelSize, isRecurrentKernel: false)
        var recurrent = VariableSpec("recurrent_kernel", kernelSize + [units, width], role: .recurrentKernel,
                                     initializerKey: "recurrent_initializer", kerasDefault: "orthogonal")
        recurrent.fanSemantics = .recurrent(inputs: units, units: units, gates: gates, kernel: kernelSize, isRecurrentKernel: true)
        var result = [kernel, recurrent]
        if try reader.bool("use_bias", default: true) {
            let resetAfter = layer.className == "GRU" ? try reader.bool("reset_after", default: true) : false
            var bias = VariableSpec("bias", resetAfter ? [2, width] : [width], role: .bias,
                                    initializerKey: "bias_initializer", kerasDefault: "zeros")
            if gates == 4, try reader.bool("unit_forget_bias", default: true) { bias.unitForgetBias = units }
            result.append(bias)
        }
        // Saved by the `cell` attribute; Keras' variable.path is "<layer>/<cell name>/<variable>".
        return result.map { $0.inSublayer(["cell"], name: cellName) }
    }

    /// Bidirectional (forward then backward layer) and TimeDistributed (the inner layer).
    static func wrapperVariables(_ layer: KerasLayer) throws(ModelError) -> [VariableSpec] {
        guard !layer.wrapped.isEmpty else {
            throw ModelError("\(layer.label): config \"layer\" holds no wrapped layer")
        }
        var trainable: [VariableSpec] = [], frozen: [VariableSpec] = []
        for inner in layer.wrapped {
            if layer.className == "Bidirectional", cell(of: inner.layer.className) == nil {
                throw ModelError("\(inner.layer.label) inside \(layer.label): Bidirectional wraps a recurrent layer (SimpleRNN, LSTM, GRU, ConvLSTM*), got \(inner.layer.className)")
            }
            if inner.layer.className == "Functional" || inner.layer.className == "Sequential" {
                throw ModelError("\(layer.label): a wrapped \(inner.layer.className) model is not supported")
            }
            for variable in try variables(of: inner.layer) {
                var moved = variable.inSublayer([inner.key], name: inner.layer.name)
                // Initializers (for --respect-config) are in the inner layer's config.
                if moved.config == nil {
                    moved.config = inner.layer.config
                    moved.configClass = inner.layer.className
                }
                if moved.trainable { trainable.append(moved) } else { frozen.append(moved) }
            }
        }
        // layer.trainable_weights + layer.non_trainable_weights over the inner layers.
        return trainable + frozen
    }
}
