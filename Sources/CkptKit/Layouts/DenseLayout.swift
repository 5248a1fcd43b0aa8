/// Dense ↔ `torch.nn.Linear`: the kernel `(in, out)` transposed to `weight (out, in)`.
struct DenseLayout: LayerLayout {
    var kerasClasses: [String] { ["Dense"] }

    func module(for layer: LayoutLayer) throws(LayoutProblem) -> TorchModule {
        let kernel = try layer.required("kernel")
        guard layer.shape(kernel).count == 2 else { throw LayoutProblem("its kernel is not a matrix") }
        var module = TorchModule(className: "torch.nn.Linear", parameters: [("weight", .transpose(.source(kernel)))],
                                 variables: [(kernel, .transpose(.source("weight")))])
        if let bias = layer.variable("bias") {
            module.parameters.append(("bias", .source(bias)))
            module.variables.append((bias, .source("bias")))
        }
        return module
    }
}
