/// RMSNormalization ↔ `torch.nn.RMSNorm(normalized_shape, eps)`: the scale is `weight` as it is.
/// Both compute x / √(mean(x²) + ε) · scale over the normalized axes (Keras' torch backend calls
/// `F.rms_norm` itself, keras/src/ops/nn.py `_rms_normalization`); torch normalizes the last
/// axes only. torch's default `eps` is None (the dtype's machine epsilon), never Keras' 1e-6.
struct RMSNormalizationLayout: LayerLayout {
    var kerasClasses: [String] { ["RMSNormalization"] }

    func module(for layer: LayoutLayer) throws(LayoutProblem) -> TorchModule {
        if let rank = layer.layer.inputShape?.count {
            let axes: [Int]
            do { axes = try layer.config.axes(default: [-1], rank: rank) } catch { throw LayoutProblem(error.message) }
            guard axes.sorted() == Array((rank - axes.count)..<rank) else {
                throw LayoutProblem("it normalizes axes \(axes) of a rank-\(rank) input; torch.nn.RMSNorm normalizes the last axes only")
            }
        }
        let scale = try layer.required("scale")
        let epsilon = layer.number("epsilon", default: 1e-6)
        return TorchModule(className: "torch.nn.RMSNorm", parameters: [("weight", .source(scale))], variables: [(scale, .source("weight"))],
                           notes: ["Keras epsilon \(LayerLayouts.format(epsilon)) is torch eps=\(LayerLayouts.format(epsilon)), not torch's default None (the dtype's machine epsilon); build it with eps=\(LayerLayouts.format(epsilon))"])
    }
}
