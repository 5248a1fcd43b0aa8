/// BatchNormalization ↔ `torch.nn.BatchNorm1d/2d/3d` (by the input's rank): gamma, beta,
/// moving mean and variance are `weight`, `bias`, `running_mean`, `running_var`; torch adds
/// `num_batches_tracked`, an int64 0 (dropped on the way back). Keras' epsilon (default 1e-3)
/// is torch's `eps` (default 1e-5), and Keras' momentum m (default 0.99, the weight of the old
/// statistic) is torch's `momentum` 1 − m (default 0.1, the weight of the new one): a note
/// says when they differ from torch's defaults.
struct BatchNormalizationLayout: LayerLayout {
    var kerasClasses: [String] { ["BatchNormalization"] }

    func module(for layer: LayoutLayer) throws(LayoutProblem) -> TorchModule {
        let rank = layer.layer.inputShape?.count ?? 4
        let dimension = rank <= 3 ? 1 : rank - 2
        guard (1...3).contains(dimension) else { throw LayoutProblem("torch has no BatchNorm for an input of rank \(rank)") }
        let (gamma, beta) = (layer.variable("gamma"), layer.variable("beta"))
        guard (gamma == nil) == (beta == nil) else {
            throw LayoutProblem("it has \(gamma == nil ? "center without scale" : "scale without center"); torch's BatchNorm has both (affine=True) or neither (affine=False)")
        }
        let mean = try layer.required("moving_mean"), variance = try layer.required("moving_variance")
        guard layer.shape(mean).count == 1 else { throw LayoutProblem("its statistics are not one per channel (axis over several dimensions)") }
        var module = TorchModule(className: "torch.nn.BatchNorm\(dimension)d", parameters: [], variables: [])
        if let gamma, let beta {
            module.parameters += [("weight", .source(gamma)), ("bias", .source(beta))]
            module.variables += [(gamma, .source("weight")), (beta, .source("bias"))]
        }
        module.parameters += [("running_mean", .source(mean)), ("running_var", .source(variance)), ("num_batches_tracked", .int64Zero)]
        module.variables += [(mean, .source("running_mean")), (variance, .source("running_var"))]
        let epsilon = layer.number("epsilon", default: 1e-3)
        let momentum = layer.number("momentum", default: 0.99)
        module.notes = [
            LayerLayouts.note(keras: "epsilon", value: epsilon, torchArgument: "eps", torchValue: epsilon, torchDefault: 1e-5),
            LayerLayouts.note(keras: "momentum", value: momentum, torchArgument: "momentum", torchValue: 1 - momentum, torchDefault: 0.1,
                              how: " (1 − \(LayerLayouts.format(momentum)): torch weighs the new statistic, Keras the old)"),
        ].compactMap { $0 }
        return module
    }
}
