/// A layer held inside a wrapper layer's config (Bidirectional's `layer`/`backward_layer`,
/// TimeDistributed's `layer`), under the `saving_lib` key Keras saves it at.
public struct KerasSubLayer: Sendable {
    /// The attribute Keras saves the inner layer under (`forward_layer`, `backward_layer`, `layer`).
    public var key: String
    /// The inner layer, named as Keras names it once built (`forward_lstm`), with its input shape.
    public var layer: KerasLayer

    /// Creates a sub-layer.
    public init(key: String, layer: KerasLayer) {
        self.key = key
        self.layer = layer
    }
}
