/// The built-in choice of initializer family by activation (the seed table).
///
/// ReLU family → He, tanh/sigmoid/softmax/linear → Glorot, SELU → LeCun. Activations the
/// seed table does not name are placed by shape: ReLU-like ones (GELU, SiLU/swish, mish, softplus,
/// relu6, hard_swish, PReLU, which starts as a ReLU) → He; bounded, saturating ones (hard_sigmoid,
/// softsign) → Glorot.
public enum ActivationTable {
    /// The initializer family an activation asks for.
    public enum Family: String, Sendable {
        case he
        case glorot
        case lecun

        /// The Keras initializer alias ckpt uses for the family.
        public var initializer: String {
            switch self {
            case .he: return "he_uniform"
            case .glorot: return "glorot_uniform"
            case .lecun: return "lecun_normal"
            }
        }
    }

    /// Normalizes Keras' activation spellings to one name (`keras.activations.relu` → `relu`).
    public static func normalize(_ name: String) -> String {
        var base = name
        if let dot = base.lastIndex(of: ".") { base = String(base[base.index(after: dot)...]) }
        base = base.lowercased()
        switch base {
        case "swish": return "silu"
        case "leakyrelu": return "leaky_relu"
        case "none", "": return "linear"
        default: return base
        }
    }

    /// The family for a normalized activation name, or nil when the name is not in the table.
    public static func family(for activation: String) -> Family? {
        switch activation {
        case "relu", "leaky_relu", "prelu", "elu", "relu6", "gelu", "silu", "mish", "softplus", "hard_silu", "hard_swish",
             "celu", "glu", "log_softmax_relu":
            return .he
        case "tanh", "sigmoid", "softmax", "linear", "hard_sigmoid", "softsign", "log_softmax", "exponential",
             "tanh_shrink", "hard_tanh", "sparsemax", "log_sigmoid":
            return .glorot
        case "selu":
            return .lecun
        default:
            return nil
        }
    }

    /// The activation applied by an activation *layer* (`Activation`, `ReLU`, `LeakyReLU`, `ELU`,
    /// `Softmax`; PReLU, which starts as a ReLU with Keras' alpha = 0), by its descriptor; nil
    /// for other classes.
    static func activation(ofLayer layer: KerasLayer) -> String? {
        LayerRegistry.descriptor(layer.className)?.activation?(layer)
    }

    /// Op layers (`x + y`) that are additive merges.
    static let transparentOperations: Set<String> = ["Add", "Subtract", "Concatenate", "Reshape", "Transpose"]
}
