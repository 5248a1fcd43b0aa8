import Foundation

/// The `torch.nn` module a Keras layer class is, and how its tensors map both ways: one
/// conformance per family of classes (Dense ↔ Linear, Conv ↔ ConvNd, …), registered in
/// ``LayerLayouts``. A mapping describes tensors by ``LayoutExpression``s, so the same
/// description gives shapes up front and values when the tensors are read.
protocol LayerLayout: Sendable {
    /// The Keras classes it maps.
    var kerasClasses: [String] { get }
    /// The torch module equivalent to `layer`; a problem naming what has no faithful
    /// equivalent (a config option torch's module lacks) otherwise.
    func module(for layer: LayoutLayer) throws(LayoutProblem) -> TorchModule
}

/// One Keras layer with variables, as a mapping sees it: its config and its variables'
/// names in the layer (the plan's `PlanEntry.variable`: `kernel`, `lstm_cell/bias`,
/// `query/kernel`, `forward_gru/gru_cell/kernel`) and shapes.
struct LayoutLayer: Sendable {
    var layer: KerasLayer
    /// The variables in the plan's (Keras') order.
    var variables: [(name: String, shape: [Int])]

    var config: ConfigReader { ConfigReader(layer: layer) }

    /// The variable named `name`, or whose name ends in `/name`, among those under `prefix`
    /// (`"forward_lstm/"`); nil when the layer has none.
    func variable(_ name: String, under prefix: String = "") -> String? {
        variables.first { $0.name.hasPrefix(prefix) && ($0.name == prefix + name || $0.name.hasSuffix("/" + name)) }?.name
    }

    /// The variable of `name` (as ``variable(_:under:)``), or a problem saying the layer lacks it.
    func required(_ name: String, under prefix: String = "") throws(LayoutProblem) -> String {
        guard let found = variable(name, under: prefix) else {
            throw LayoutProblem("it has no \(prefix)\(name) variable (it has \(variables.map(\.name).joined(separator: ", ")))")
        }
        return found
    }

    func shape(_ name: String) -> [Int] {
        variables.first { $0.name == name }?.shape ?? []
    }

    /// A config value that must be a number (`epsilon`, `momentum`).
    func number(_ key: String, default value: Double) -> Double {
        layer.config[key]?.double ?? value
    }
}

/// A torch module's tensors as expressions of the Keras layer's, and the way back.
struct TorchModule: Sendable {
    /// The module class (`torch.nn.Conv2d`), for messages and notes.
    var className: String
    /// Each `state_dict` entry of the module (`weight`, `bias_hh_l0`, `out_proj.weight`), in
    /// torch's order, from the Keras variables.
    var parameters: [(name: String, value: LayoutExpression)]
    /// Each Keras variable, from the module's entries. An entry no variable reads
    /// (`num_batches_tracked`) is still expected in a torch-layout file.
    var variables: [(name: String, value: LayoutExpression)]
    /// What a user building the torch module should know (a BatchNorm's `eps`), one line each.
    var notes: [String] = []
}

/// The mappings, by Keras class.
enum LayerLayouts {
    static let all: [any LayerLayout] = [
        DenseLayout(), ConvolutionLayout(), TransposedConvolutionLayout(), DepthwiseConvolutionLayout(),
        BatchNormalizationLayout(), LayerNormalizationLayout(), GroupNormalizationLayout(), RMSNormalizationLayout(), EmbeddingLayout(),
        RecurrentLayout(), BidirectionalLayout(), MultiHeadAttentionLayout(), TimeDistributedLayout(),
    ]

    static let byClass: [String: any LayerLayout] = {
        var table: [String: any LayerLayout] = [:]
        for layout in all { for name in layout.kerasClasses { table[name] = layout } }
        return table
    }()

    /// The mapping of a Keras class, nil when there is none.
    static func layout(for className: String) -> (any LayerLayout)? { byClass[className] }

    /// A note when a Keras config value differs from the torch module's default (an epsilon,
    /// a momentum), saying what to pass the module; the caller names the module.
    static func note(keras: String, value: Double, torchArgument: String, torchValue: Double, torchDefault: Double,
                     how: String = "") -> String? {
        guard abs(torchValue - torchDefault) > 1e-9 * max(1, abs(torchDefault)) else { return nil }
        return "Keras \(keras) \(format(value)) is torch \(torchArgument)=\(format(torchValue))\(how), not torch's default \(format(torchDefault)); build it with \(torchArgument)=\(format(torchValue))"
    }

    /// A number as Python prints it, short (`0.001`, `1e-05`, `0.01`).
    static func format(_ value: Double) -> String {
        let rounded = (value * 1e12).rounded() / 1e12
        if rounded != 0, abs(rounded) < 1e-4 {
            var exponent = 0
            var mantissa = rounded
            while abs(mantissa) < 1 { mantissa *= 10; exponent -= 1 }
            let m = (mantissa * 1e9).rounded() / 1e9
            let text = m == m.rounded() ? String(Int(m)) : String(m)
            return "\(text)e-\(String(format: "%02d", -exponent))"
        }
        return rounded == rounded.rounded() && abs(rounded) < 1e15 ? String(format: "%.1f", rounded) : String(rounded)
    }
}
