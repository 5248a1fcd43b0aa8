/// What a variable does in its layer; the rules engine picks initializers by role.
public enum TensorRole: String, Sendable, Hashable, CaseIterable, Codable {
    case kernel
    case depthwiseKernel = "depthwise_kernel"
    case pointwiseKernel = "pointwise_kernel"
    case bias
    case embeddings
    case gamma
    case beta
    case movingMean = "moving_mean"
    case movingVariance = "moving_variance"

    /// Whether the role is a weight matrix that an activation-dependent initializer fits.
    public var isKernel: Bool {
        switch self {
        case .kernel, .depthwiseKernel, .pointwiseKernel: return true
        default: return false
        }
    }
}
