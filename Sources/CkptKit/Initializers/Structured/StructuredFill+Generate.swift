/// Generation of structured fills: the whole tensor at once.
extension StructuredFill {
    /// Throws when the fill cannot apply to a tensor of `shape` (orthogonal on a 1-D tensor,
    /// identity on a non-2-D one, delta-orthogonal with fewer output than input channels, …) or a
    /// parameter is out of range. Called when planning, so nothing is written for a bad plan.
    public func validate(shape: [Int]) throws(InitializerError) {
        // Implemented with the generators.
    }

    /// Writes every value of a tensor of `shape` (row-major, ckpt's layout) to `out`, which holds
    /// exactly `shape.reduce(1, *)` elements. Random draws use `stream`'s key with substream ids ≥ 1.
    public func generate(shape: [Int], stream: TensorStream, into out: UnsafeMutableBufferPointer<Float>) throws(InitializerError) {
        throw .notSupportedYet(initializer: summary, reason: "structured initializers are being implemented")
    }

    /// The float64 version of `generate(shape:stream:into:)`.
    public func generate(shape: [Int], stream: TensorStream, into out: UnsafeMutableBufferPointer<Double>) throws(InitializerError) {
        throw .notSupportedYet(initializer: summary, reason: "structured initializers are being implemented")
    }
}
