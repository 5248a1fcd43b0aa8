/// SimpleRNN ↔ `torch.nn.RNN`, LSTM ↔ `torch.nn.LSTM`, GRU ↔ `torch.nn.GRU` (one layer):
/// the kernels `(in, gates·u)` and `(u, gates·u)` transposed to `weight_ih_l0`/`weight_hh_l0`.
/// - LSTM gates are i, f, c, o in Keras and i, f, g, o in torch: the same order.
/// - Keras has one bias where torch has two: it goes into `bias_ih_l0` with zeros in
///   `bias_hh_l0`, and their sum is folded back into it (the cell adds both, so the sum is
///   what computes).
/// - GRU gates are z, r, h in Keras and r, z, n in torch: the first two blocks swap. Only
///   `reset_after=True` (Keras 3's default) applies the reset gate after the recurrent
///   product as torch does; its bias `(2, 3u)` holds torch's two biases, input then recurrent.
///   `reset_after=False` has no torch equivalent.
/// torch's cells use tanh and sigmoid (RNN: tanh or relu); other activations and
/// `go_backwards` have no equivalent.
struct RecurrentLayout: LayerLayout {
    var kerasClasses: [String] { ["SimpleRNN", "LSTM", "GRU"] }

    func module(for layer: LayoutLayer) throws(LayoutProblem) -> TorchModule {
        var module = TorchModule(className: "", parameters: [], variables: [])
        module.className = try Self.add(layer, settings: layer.layer, prefix: "", suffix: "", backward: false, to: &module)
        return module
    }

    /// Adds the tensors of one direction (`suffix` `""` or `"_reverse"`) of a recurrent layer
    /// whose variables are under `prefix` and whose config is `settings`; returns the module class.
    static func add(_ layer: LayoutLayer, settings: KerasLayer, prefix: String, suffix: String, backward: Bool,
                    to module: inout TorchModule) throws(LayoutProblem) -> String {
        let config = settings.config
        func text(_ key: String, _ value: String) -> String {
            guard let raw = config[key], !raw.isNull else { return value }
            return raw.string ?? raw["config"]?.string ?? raw["class_name"]?.string ?? "?"
        }
        let className: String
        let gates: Int
        let activation = text("activation", "tanh")
        switch settings.className {
        case "SimpleRNN":
            className = "torch.nn.RNN"
            gates = 1
            guard activation == "tanh" || activation == "relu" else {
                throw LayoutProblem("activation \"\(activation)\"; torch.nn.RNN has tanh or relu")
            }
            if activation == "relu" && !module.notes.contains(where: { $0.contains("nonlinearity") }) {
                module.notes.append("build it with nonlinearity='relu' (Keras activation \"relu\")")
            }
        case "LSTM", "GRU":
            className = "torch.nn.\(settings.className)"
            gates = settings.className == "LSTM" ? 4 : 3
            let recurrent = text("recurrent_activation", "sigmoid")
            guard activation == "tanh", recurrent == "sigmoid" else {
                throw LayoutProblem("activation \"\(activation)\" and recurrent_activation \"\(recurrent)\"; \(className) uses tanh and sigmoid")
            }
            if gates == 3, config["reset_after"]?.bool == false {
                throw LayoutProblem("reset_after=False applies the reset gate before the recurrent product; torch.nn.GRU applies it after (Keras reset_after=True)")
            }
        default:
            throw LayoutProblem("\(settings.className) is not SimpleRNN, LSTM or GRU")
        }
        if !backward, config["go_backwards"]?.bool == true {
            throw LayoutProblem("go_backwards=True has no torch equivalent (torch.nn.\(settings.className) reads forward; wrap it in Bidirectional)")
        }
        let kernel = try layer.required("kernel", under: prefix)
        let recurrent = try layer.required("recurrent_kernel", under: prefix)
        let units = layer.shape(recurrent).first ?? 0
        // torch's gate blocks from Keras' (rows of the transposed kernels) and back: GRU swaps
        // the first two (z, r ↔ r, z); the swap is its own inverse.
        func reorder(_ x: LayoutExpression) -> LayoutExpression {
            gates == 3 ? .concatenate([.rows(x, start: units, count: units), .rows(x, start: 0, count: units), .rows(x, start: 2 * units, count: units)]) : x
        }
        let names = (ih: "weight_ih_l0" + suffix, hh: "weight_hh_l0" + suffix, bih: "bias_ih_l0" + suffix, bhh: "bias_hh_l0" + suffix)
        module.parameters += [(names.ih, reorder(.transpose(.source(kernel)))), (names.hh, reorder(.transpose(.source(recurrent))))]
        module.variables += [(kernel, .transpose(reorder(.source(names.ih)))), (recurrent, .transpose(reorder(.source(names.hh))))]
        if let bias = layer.variable("bias", under: prefix) {
            if gates == 3 {
                let width = 3 * units
                module.parameters += [(names.bih, reorder(.reshape(.rows(.source(bias), start: 0, count: 1), [width]))),
                                      (names.bhh, reorder(.reshape(.rows(.source(bias), start: 1, count: 1), [width])))]
                module.variables.append((bias, .reshape(.concatenate([reorder(.source(names.bih)), reorder(.source(names.bhh))]), [2, width])))
            } else {
                module.parameters += [(names.bih, .source(bias)), (names.bhh, .zeros(like: .source(bias)))]
                module.variables.append((bias, .sum(.source(names.bih), .source(names.bhh))))
            }
        }
        return className
    }
}

/// Bidirectional(SimpleRNN/LSTM/GRU) ↔ `torch.nn.RNN/LSTM/GRU(bidirectional=True)`: the
/// forward layer's tensors as for the layer alone, the backward layer's with torch's
/// `_reverse` suffix. Only `merge_mode="concat"` is what torch returns (forward then backward
/// features); Keras flips the backward sequence back, as torch's output is.
struct BidirectionalLayout: LayerLayout {
    var kerasClasses: [String] { ["Bidirectional"] }

    func module(for layer: LayoutLayer) throws(LayoutProblem) -> TorchModule {
        let mode = layer.layer.config["merge_mode"]?.string ?? "concat"
        guard mode == "concat" else { throw LayoutProblem("merge_mode \"\(mode)\"; torch's bidirectional output is the concatenation (merge_mode=\"concat\")") }
        guard let forward = layer.layer.wrapped.first(where: { $0.key == "forward_layer" }),
              let backward = layer.layer.wrapped.first(where: { $0.key == "backward_layer" }) else {
            throw LayoutProblem("it has no forward_layer and backward_layer")
        }
        guard forward.layer.className == backward.layer.className else {
            throw LayoutProblem("its forward layer is \(forward.layer.className) and its backward layer \(backward.layer.className); torch's directions are one class")
        }
        var module = TorchModule(className: "", parameters: [], variables: [])
        module.className = try RecurrentLayout.add(layer, settings: forward.layer, prefix: forward.layer.name + "/", suffix: "", backward: false, to: &module)
        _ = try RecurrentLayout.add(layer, settings: backward.layer, prefix: backward.layer.name + "/", suffix: "_reverse", backward: true, to: &module)
        // torch's state_dict order: every forward tensor, then every reverse one (as added).
        return module
    }
}
