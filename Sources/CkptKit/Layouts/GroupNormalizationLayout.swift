/// GroupNormalization ↔ `torch.nn.GroupNorm(groups, channels)`: gamma and beta are `weight` and
/// `bias`; both frameworks cut the channels into contiguous groups.
struct GroupNormalizationLayout: LayerLayout {
    var kerasClasses: [String] { ["GroupNormalization"] }

    func module(for layer: LayoutLayer) throws(LayoutProblem) -> TorchModule {
        let (gamma, beta) = (layer.variable("gamma"), layer.variable("beta"))
        guard (gamma == nil) == (beta == nil) else {
            throw LayoutProblem("it has \(gamma == nil ? "center without scale" : "scale without center"); torch.nn.GroupNorm has both (affine=True) or neither")
        }
        var module = TorchModule(className: "torch.nn.GroupNorm", parameters: [], variables: [])
        if let gamma, let beta {
            module.parameters = [("weight", .source(gamma)), ("bias", .source(beta))]
            module.variables = [(gamma, .source("weight")), (beta, .source("bias"))]
        }
        let epsilon = layer.number("epsilon", default: 1e-3)
        module.notes = [LayerLayouts.note(keras: "epsilon", value: epsilon, torchArgument: "eps", torchValue: epsilon, torchDefault: 1e-5)].compactMap { $0 }
        return module
    }
}
