/// The tensor layout `ckpt convert --layout` writes.
public enum TensorLayout: String, Sendable, CaseIterable {
    /// The PyTorch `state_dict` of the `torch.nn` modules equivalent to a Keras model's layers
    /// (`conv1.weight`, `lstm.weight_ih_l0`), from a Keras checkpoint.
    case torch
    /// The Keras model's own variables, from such a `state_dict` and the model's spec.
    case keras
}
