/// How fans are computed for a tensor (`--fans`, docs/initializers.md "Fan conventions").
public enum FanConvention: Sendable, Hashable {
    /// The forward-pass-correct fans of the layer's operation (the default): depthwise per
    /// channel, grouped per group, transposed "inputs per output", attention per head from the
    /// einsum axes, recurrent per gate (or packed, as `gates` says).
    case semantic(gates: GateFans)
    /// Keras 3.15 `compute_fans` on the Keras kernel, quirks included.
    case keras
    /// PyTorch `_calculate_fan_in_and_fan_out` on the weight as PyTorch lays it out.
    case torch
    /// JAX `variance_scaling`'s `_compute_fans` on the kernel as Flax lays it out.
    case jax

    /// How the semantic convention treats the gates packed in a recurrent kernel.
    public enum GateFans: String, Sendable, Hashable, CaseIterable {
        /// One gate's (in, units): what each gate's matrix does in the forward pass (the default).
        case perGate = "per-gate"
        /// The packed (in, gates·units), as Keras computes it.
        case packed
    }

    /// The default: semantic fans, per gate.
    public static let semantic = FanConvention.semantic(gates: .perGate)

    /// The command-line spellings, in the order docs list them.
    public static let names = ["semantic", "semantic-packed", "keras", "torch", "jax"]

    /// The convention called `name` on the command line (`semantic`, `semantic-packed`, `keras`,
    /// `torch`, `jax`; `flax` is accepted for `jax`).
    public init?(name: String) {
        switch name.lowercased() {
        case "semantic": self = .semantic(gates: .perGate)
        case "semantic-packed": self = .semantic(gates: .packed)
        case "keras": self = .keras
        case "torch", "pytorch": self = .torch
        case "jax", "flax": self = .jax
        default: return nil
        }
    }

    /// The command-line spelling.
    public var name: String {
        switch self {
        case .semantic(.perGate): return "semantic"
        case .semantic(.packed): return "semantic-packed"
        case .keras: return "keras"
        case .torch: return "torch"
        case .jax: return "jax"
        }
    }
}
