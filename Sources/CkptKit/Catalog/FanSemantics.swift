/// What a weight does in its layer's forward pass, so fans can be computed from the operation
/// rather than from the kernel's shape alone (`Fans.compute`, `--fans`).
///
/// The layer catalog sets it per variable; shapes are in Keras layout.
public enum FanSemantics: Sendable, Hashable {
    /// No layer knowledge: the shape rule of the chosen convention applies (biases, norms,
    /// unknown custom variables).
    case shapeOnly
    /// y = x·W with W of shape (in, out): Dense.
    case dense(inputs: Int, outputs: Int)
    /// An EinsumDense kernel: the kernel axes contracted with the input (`inputAxes`) and the
    /// axes that reach the output (`outputAxes`), indices into the kernel shape.
    case einsum(inputAxes: [Int], outputAxes: [Int])
    /// A convolution kernel (k₁…k_N, C_in/groups, C_out) with `groups` groups.
    case convolution(kernel: [Int], inputChannels: Int, outputChannels: Int, groups: Int)
    /// A transposed convolution kernel (k₁…k_N, C_out, C_in) with its strides.
    case transposedConvolution(kernel: [Int], inputChannels: Int, outputChannels: Int, strides: [Int])
    /// A depthwise kernel (k₁…k_N, C, multiplier): each input channel feeds `multiplier` outputs.
    case depthwise(kernel: [Int], channels: Int, multiplier: Int)
    /// An attention projection (EinsumDense inside MultiHeadAttention / GroupedQueryAttention):
    /// query/key/value kernels (dim, heads, headDim), the output kernel (heads, headDim, dim).
    case attention(modelDim: Int, heads: Int, headDim: Int, isOutput: Bool)
    /// A recurrent layer's input kernel (in, gates·units) or recurrent kernel (units, gates·units),
    /// gates packed along the last axis (LSTM 4, GRU 3, SimpleRNN 1); ConvLSTM kernels carry
    /// their spatial kernel size in `kernel` (empty for plain RNNs).
    case recurrent(inputs: Int, units: Int, gates: Int, kernel: [Int], isRecurrentKernel: Bool)
    /// An embedding table (vocabulary, dim).
    case embedding(vocabulary: Int, dim: Int)
}
