/// Embedding ↔ `torch.nn.Embedding`: the table `(input_dim, output_dim)` is `weight` as it is.
struct EmbeddingLayout: LayerLayout {
    var kerasClasses: [String] { ["Embedding"] }

    func module(for layer: LayoutLayer) throws(LayoutProblem) -> TorchModule {
        let table = try layer.required("embeddings")
        return TorchModule(className: "torch.nn.Embedding", parameters: [("weight", .source(table))], variables: [(table, .source("weight"))])
    }
}
