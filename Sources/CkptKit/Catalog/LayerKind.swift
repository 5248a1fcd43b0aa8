/// What a layer class computes, as the profiles (`--profile torch|flax` pick the framework
/// module of that kind), the schemes, activation tracing and, next, the forward pass of
/// `ckpt analyze` see it. Each ``LayerDescriptor`` has one; code that needs to know "is this a
/// convolution" asks the kind, never a list of class names.
public enum LayerKind: Sendable, Equatable {
    /// `InputLayer`.
    case input
    /// `Dense`: a matrix product on the last axis (torch `Linear`, flax `Dense`).
    case dense
    /// `EinsumDense`: a general tensor contraction (torch `Linear` on the flattened axes).
    case einsumDense
    /// `Conv1D`–`Conv3D` (torch `ConvNd`).
    case convolution
    /// `Conv1DTranspose`–`Conv3DTranspose` (torch `ConvTransposeNd`).
    case transposedConvolution
    /// `DepthwiseConv1D`/`2D` (torch `ConvNd` with `groups = in_channels`).
    case depthwiseConvolution
    /// `SeparableConv1D`/`2D`: a depthwise then a pointwise convolution.
    case separableConvolution
    /// `Embedding`-like lookup tables (torch `Embedding`, flax `Embed`).
    case embedding
    /// `SimpleRNN`, `GRU`, `LSTM`: a recurrent cell of `gates` gates (torch `RNN`/`GRU`/`LSTM`).
    case recurrent(gates: Int)
    /// `ConvLSTM1D`–`3D`: an LSTM whose products are convolutions (no torch module).
    case convolutionalRecurrent
    /// Batch, layer, group and RMS normalization: a learned scale and offset (ones and zeros in
    /// every framework) and, for batch norm, moving statistics.
    case normalization
    /// `Normalization`: fixed mean and variance adapted from data (not random anywhere).
    case statistics
    /// `LayerScale`: a per-channel scale set to `init_values`.
    case layerScale
    /// `PReLU`: a learned negative slope.
    case prelu
    /// Multi-head and grouped-query attention: query/key/value/output projections.
    case attention
    /// `Attention`, `AdditiveAttention`: dot-product attention with at most a learned scale.
    case dotAttention
    /// `Bidirectional`, `TimeDistributed`: the wrapped layer's variables.
    case wrapper
    /// An activation layer (`Activation`, `ReLU`, `Softmax`, …): ``LayerDescriptor/activation``
    /// says which.
    case activation
    /// Weightless and linear in its input, so an activation after it is seen through it:
    /// dropout and noise, reshaping, padding, cropping, local pooling, additive merges.
    case passThrough
    /// Any other weightless layer (global pooling, multiplicative merges, resizing, masking).
    case other

    /// Dense or EinsumDense: the layers transformer schemes call the MLP's.
    public var isLinear: Bool { self == .dense || self == .einsumDense }

    /// A convolution of any form (the torch profile's `Conv` module).
    public var isConvolution: Bool {
        switch self {
        case .convolution, .transposedConvolution, .depthwiseConvolution, .separableConvolution: return true
        default: return false
        }
    }

    /// The recurrent cell's gate count (ConvLSTM's 4 included), or nil.
    public var gates: Int? {
        switch self {
        case .recurrent(let gates): return gates
        case .convolutionalRecurrent: return 4
        default: return nil
        }
    }

    /// Whether activation tracing looks through the layer: it neither mixes features
    /// nonlinearly nor ends the path (normalizations and pass-through layers).
    public var isTransparent: Bool {
        switch self {
        case .normalization, .statistics, .layerScale, .passThrough: return true
        default: return false
        }
    }
}
