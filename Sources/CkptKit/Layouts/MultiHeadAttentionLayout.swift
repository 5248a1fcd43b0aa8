/// MultiHeadAttention ↔ `torch.nn.MultiheadAttention(E, H, batch_first=True)` where its shapes
/// allow: query, key and value of one size E, `num_heads × key_dim = E`, `value_dim = key_dim`
/// and an output of size E (torch packs the three projections into one square matrix each).
/// - Keras' query kernel `(E, H, d)` read as `(E, H·d)` and transposed is the first E rows of
///   `in_proj_weight (3E, E)`, key and value the next ones (head h is rows h·d ..< (h+1)·d in
///   both); their biases `(H, d)` make `in_proj_bias (3E)`.
/// - The output kernel `(H, d, E)` read as `(H·d, E)` and transposed is `out_proj.weight`.
/// Both scale the scores by 1/√d. `use_bias=False` is torch's `bias=False`.
struct MultiHeadAttentionLayout: LayerLayout {
    var kerasClasses: [String] { ["MultiHeadAttention"] }

    func module(for layer: LayoutLayer) throws(LayoutProblem) -> TorchModule {
        // Keras records the axes it built with ([1] for (batch, sequence, features)).
        if let axes = layer.layer.config["attention_axes"], !axes.isNull {
            let rank = layer.layer.inputShapes.first?.count ?? 3
            let list = axes.int.map { [$0] } ?? axes.array?.compactMap(\.int) ?? []
            guard list.count == 1, let axis = list.first, axis == rank - 2 || axis == -2 else {
                throw LayoutProblem("attention_axes \(list) of a rank-\(rank) input; torch.nn.MultiheadAttention attends over the sequence axis of (batch, sequence, features) only")
            }
        }
        if let window = layer.layer.config["sliding_window"], !window.isNull {
            throw LayoutProblem("sliding_window is set; torch.nn.MultiheadAttention has no sliding window")
        }
        let names = (q: try layer.required("kernel", under: "query/"), k: try layer.required("kernel", under: "key/"),
                     v: try layer.required("kernel", under: "value/"), o: try layer.required("kernel", under: "attention_output/"))
        let (q, k, v, o) = (layer.shape(names.q), layer.shape(names.k), layer.shape(names.v), layer.shape(names.o))
        guard q.count == 3, k.count == 3, v.count == 3, o.count == 3 else {
            throw LayoutProblem("its projections are not (features, heads, head size) kernels")
        }
        let (embed, heads, head) = (q[0], q[1], q[2])
        guard k[0] == embed, v[0] == embed else {
            throw LayoutProblem("query, key and value have \(q[0]), \(k[0]) and \(v[0]) features; torch.nn.MultiheadAttention's packed projection needs them equal")
        }
        guard heads * head == embed else {
            throw LayoutProblem("num_heads × key_dim = \(heads) × \(head) = \(heads * head), not the embedding size \(embed); torch.nn.MultiheadAttention's heads split the embedding")
        }
        guard k[1] == heads, k[2] == head, v[1] == heads, v[2] == head else {
            throw LayoutProblem("value_dim \(v[2]) differs from key_dim \(head); torch.nn.MultiheadAttention has one head size")
        }
        guard o == [heads, head, embed] else {
            throw LayoutProblem("its output has \(o.last ?? 0) features, not \(embed); torch.nn.MultiheadAttention's output is the embedding size")
        }
        let matrix = [embed, embed]
        func projection(_ kernel: String) -> LayoutExpression { .transpose(.reshape(.source(kernel), matrix)) }
        func back(_ rows: LayoutExpression, _ shape: [Int]) -> LayoutExpression { .reshape(.transpose(rows), shape) }
        func third(_ name: String, _ i: Int) -> LayoutExpression { .rows(.source(name), start: i * embed, count: embed) }
        var module = TorchModule(
            className: "torch.nn.MultiheadAttention",
            parameters: [("in_proj_weight", .concatenate([projection(names.q), projection(names.k), projection(names.v)]))],
            variables: [(names.q, back(third("in_proj_weight", 0), q)), (names.k, back(third("in_proj_weight", 1), k)),
                        (names.v, back(third("in_proj_weight", 2), v))])
        let biases = (q: layer.variable("bias", under: "query/"), k: layer.variable("bias", under: "key/"),
                      v: layer.variable("bias", under: "value/"), o: layer.variable("bias", under: "attention_output/"))
        if let bq = biases.q, let bk = biases.k, let bv = biases.v {
            let flat = [embed]
            module.parameters.append(("in_proj_bias", .concatenate([.reshape(.source(bq), flat), .reshape(.source(bk), flat), .reshape(.source(bv), flat)])))
            module.variables += [(bq, .reshape(third("in_proj_bias", 0), [heads, head])), (bk, .reshape(third("in_proj_bias", 1), [heads, head])),
                                 (bv, .reshape(third("in_proj_bias", 2), [heads, head]))]
        }
        module.parameters.append(("out_proj.weight", projection(names.o)))
        module.variables.append((names.o, back(.source("out_proj.weight"), o)))
        if let bo = biases.o {
            module.parameters.append(("out_proj.bias", .source(bo)))
            module.variables.append((bo, .source("out_proj.bias")))
        }
        let count = [biases.q, biases.k, biases.v, biases.o].compactMap { $0 }.count
        guard count == 0 || count == 4 else { throw LayoutProblem("only some of its projections have biases; torch's bias= is one flag") }
        return module
    }
}
