/// Conv1D/2D/3D ↔ `torch.nn.Conv1d/2d/3d` (with `groups`): Keras' kernel `k… + (in/groups, out)`
/// (HWIO) is torch's `weight (out, in/groups, k…)` (OIHW). Both cut the channels into
/// contiguous groups, so groups need no other change.
struct ConvolutionLayout: LayerLayout {
    var kerasClasses: [String] { ["Conv1D", "Conv2D", "Conv3D"] }

    func module(for layer: LayoutLayer) throws(LayoutProblem) -> TorchModule {
        let kernel = try layer.required("kernel")
        let rank = layer.shape(kernel).count - 2
        guard (1...3).contains(rank) else { throw LayoutProblem("its kernel has rank \(rank + 2)") }
        return Self.module("torch.nn.Conv\(rank)d", layer, kernel: kernel, axes: [rank + 1, rank] + Array(0..<rank))
    }

    /// A convolution-like module whose weight is the kernel permuted by `axes`, and its bias.
    static func module(_ className: String, _ layer: LayoutLayer, kernel: String, axes: [Int]) -> TorchModule {
        var module = TorchModule(className: className, parameters: [("weight", .permute(.source(kernel), axes))],
                                 variables: [(kernel, .permute(.source("weight"), inverse(axes)))])
        if let bias = layer.variable("bias") {
            module.parameters.append(("bias", .source(bias)))
            module.variables.append((bias, .source("bias")))
        }
        return module
    }

    /// The permutation that undoes `axes`.
    static func inverse(_ axes: [Int]) -> [Int] {
        var result = axes
        for (position, axis) in axes.enumerated() { result[axis] = position }
        return result
    }
}

/// Conv1D/2D/3DTranspose ↔ `torch.nn.ConvTranspose1d/2d/3d`: Keras' kernel `k… + (out, in)` is
/// torch's `weight (in, out, k…)`. Both compute the transpose (gradient) of the convolution
/// with that kernel, so no spatial flip.
struct TransposedConvolutionLayout: LayerLayout {
    var kerasClasses: [String] { ["Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose"] }

    func module(for layer: LayoutLayer) throws(LayoutProblem) -> TorchModule {
        let kernel = try layer.required("kernel")
        let rank = layer.shape(kernel).count - 2
        guard (1...3).contains(rank) else { throw LayoutProblem("its kernel has rank \(rank + 2)") }
        return ConvolutionLayout.module("torch.nn.ConvTranspose\(rank)d", layer, kernel: kernel, axes: [rank + 1, rank] + Array(0..<rank))
    }
}

/// DepthwiseConv1D/2D ↔ a grouped `torch.nn.Conv1d/2d` with `groups = in_channels` and
/// `out_channels = in_channels × depth_multiplier`: Keras' kernel `k… + (C, m)` is torch's
/// `weight (C·m, 1, k…)`, output channel `c·m + j` from input channel `c` in both.
struct DepthwiseConvolutionLayout: LayerLayout {
    var kerasClasses: [String] { ["DepthwiseConv1D", "DepthwiseConv2D"] }

    func module(for layer: LayoutLayer) throws(LayoutProblem) -> TorchModule {
        let kernel = try layer.required("kernel")
        let shape = layer.shape(kernel)
        let rank = shape.count - 2
        guard (1...2).contains(rank) else { throw LayoutProblem("its kernel has rank \(rank + 2)") }
        let (channels, multiplier) = (shape[rank], shape[rank + 1])
        let spatial = Array(shape[0..<rank])
        let axes = [rank, rank + 1] + Array(0..<rank)
        var module = TorchModule(
            className: "torch.nn.Conv\(rank)d",
            parameters: [("weight", .reshape(.permute(.source(kernel), axes), [channels * multiplier, 1] + spatial))],
            variables: [(kernel, .permute(.reshape(.source("weight"), [channels, multiplier] + spatial), ConvolutionLayout.inverse(axes)))])
        if let bias = layer.variable("bias") {
            module.parameters.append(("bias", .source(bias)))
            module.variables.append((bias, .source("bias")))
        }
        return module
    }
}
