/// LayerNormalization ↔ `torch.nn.LayerNorm(normalized_shape)`: gamma and beta are `weight`
/// and `bias` as they are. Only the last axes can be normalized in torch, and `rms_scaling`
/// is another computation (no mapping).
struct LayerNormalizationLayout: LayerLayout {
    var kerasClasses: [String] { ["LayerNormalization"] }

    func module(for layer: LayoutLayer) throws(LayoutProblem) -> TorchModule {
        if layer.layer.config["rms_scaling"]?.bool == true {
            throw LayoutProblem("rms_scaling=True is not torch.nn.LayerNorm's computation")
        }
        if let rank = layer.layer.inputShape?.count {
            let axes: [Int]
            do { axes = try layer.config.axes(default: [-1], rank: rank) } catch { throw LayoutProblem(error.message) }
            guard axes.sorted() == Array((rank - axes.count)..<rank) else {
                throw LayoutProblem("it normalizes axes \(axes) of a rank-\(rank) input; torch.nn.LayerNorm normalizes the last axes only")
            }
        }
        let (gamma, beta) = (layer.variable("gamma"), layer.variable("beta"))
        if gamma == nil && beta != nil {
            throw LayoutProblem("it has center without scale; torch.nn.LayerNorm has a weight whenever it has a bias")
        }
        var module = TorchModule(className: "torch.nn.LayerNorm", parameters: [], variables: [])
        if let gamma { module.parameters.append(("weight", .source(gamma))); module.variables.append((gamma, .source("weight"))) }
        if let beta { module.parameters.append(("bias", .source(beta))); module.variables.append((beta, .source("bias"))) }
        let epsilon = layer.number("epsilon", default: 1e-3)
        module.notes = [LayerLayouts.note(keras: "epsilon", value: epsilon, torchArgument: "eps", torchValue: epsilon, torchDefault: 1e-5)]
            .compactMap { $0 } + (gamma != nil && beta == nil ? ["build it with bias=False (Keras center=False)"] : [])
        return module
    }
}
