/// TimeDistributed(Dense) ↔ `torch.nn.Linear`: torch's Linear already applies to the last axis
/// of an input of any rank, so the wrapper adds nothing. Other wrapped layers (a convolution
/// over each time step) have no single torch module.
struct TimeDistributedLayout: LayerLayout {
    var kerasClasses: [String] { ["TimeDistributed"] }

    func module(for layer: LayoutLayer) throws(LayoutProblem) -> TorchModule {
        guard layer.layer.wrapped.count == 1, let inner = layer.layer.wrapped.first, inner.layer.className == "Dense" else {
            let name = layer.layer.wrapped.first?.layer.className ?? "nothing"
            throw LayoutProblem("it wraps \(name); only TimeDistributed(Dense) is one torch module (torch.nn.Linear)")
        }
        return try DenseLayout().module(for: LayoutLayer(layer: inner.layer, variables: layer.variables))
    }
}
