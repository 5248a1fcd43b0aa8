/// What a variable does in its layer; the rules engine picks initializers by role.
///
/// The rule for each role (Planner, `--rules` defaults) is noted with it.
public enum TensorRole: String, Sendable, Hashable, CaseIterable, Codable {
    /// A weight matrix or convolution kernel: the activation table decides (He / Glorot / LeCun).
    /// Also an RNN's input kernel (the layer's `activation`, tanh → Glorot) and attention
    /// projections (linear → Glorot).
    case kernel
    /// A depthwise convolution kernel: the activation table, like `kernel`.
    case depthwiseKernel = "depthwise_kernel"
    /// A separable convolution's pointwise kernel: the activation table, like `kernel`.
    case pointwiseKernel = "pointwise_kernel"
    /// An RNN's hidden-to-hidden kernel (SimpleRNN, LSTM, GRU, ConvLSTM `recurrent_kernel`):
    /// orthogonal with gain 1, the project rule and Keras' default.
    case recurrentKernel = "recurrent_kernel"
    /// An additive bias: zeros (an LSTM bias with `unit_forget_bias` gets ones on the forget gate).
    case bias
    case embeddings
    /// A normalization's scale (BatchNormalization/LayerNormalization/GroupNormalization gamma,
    /// RMSNormalization scale): ones.
    case gamma
    /// A normalization's offset: zeros.
    case beta
    /// Running or adapted mean (BatchNormalization moving_mean, Normalization mean): zeros.
    case movingMean = "moving_mean"
    /// Running or adapted variance (BatchNormalization moving_variance, Normalization variance): ones.
    case movingVariance = "moving_variance"
    /// Normalization's int32 sample `count`: zeros.
    case count
    /// PReLU's negative slope: Keras' default (zeros, the layer starts as a ReLU).
    case alpha
    /// A learned scale whose start value is part of the layer's design: Attention `scale` and
    /// `concat_score_weight` (ones), AdditiveAttention `scale` (glorot_uniform), ConvNeXt
    /// LayerScale `gamma` (Constant(init_values)). Keras' default is kept.
    case scale

    /// Whether the role is a weight matrix that an activation-dependent initializer fits.
    public var isKernel: Bool {
        switch self {
        case .kernel, .depthwiseKernel, .pointwiseKernel: return true
        default: return false
        }
    }
}
