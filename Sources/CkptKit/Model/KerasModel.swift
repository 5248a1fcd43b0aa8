/// A Keras model (Functional or Sequential) read from its JSON: its layers in file order and the
/// edges between them.
public struct KerasModel: Sendable {
    /// The model's name (`config.name`).
    public var name: String
    /// `Functional` or `Sequential` (Keras 2's `Model` is read as `Functional`).
    public var className: String
    /// Every entry of `config.layers`, in file order (op layers and InputLayers included).
    public var layers: [KerasLayer]
    /// The model's output tensors (empty for a Sequential, whose output is its last layer).
    public var outputs: [TensorReference]
    /// The model's input tensors (`config.input_layers`; empty for a Sequential).
    public var inputs: [TensorReference] = []

    /// Whether the model is a Sequential stack.
    public var isSequential: Bool { className == "Sequential" }

    /// The layers Keras lists in `model.layers`, which is what `.weights.h5` paths count:
    /// op layers are not Layers, and a Sequential drops its leading InputLayer.
    public var kerasLayers: [KerasLayer] {
        var result = layers.filter { !$0.isOperation }
        if isSequential, result.first?.className == "InputLayer" { result.removeFirst() }
        return result
    }

    /// The layer named `name`.
    public func layer(named name: String) -> KerasLayer? {
        layers.first { $0.name == name }
    }
}

/// One layer entry of a Keras model JSON.
public struct KerasLayer: Sendable {
    /// The layer's name, unique within its model.
    public var name: String
    /// The Keras class name (`Conv2D`).
    public var className: String
    /// The JSON `module` (`keras.layers`, `keras.src.ops.numpy`), empty when absent.
    public var module: String
    /// The JSON `registered_name`, when present.
    public var registeredName: String?
    /// The layer's `config`.
    public var config: JSONObject
    /// The input shapes: one per input tensor, batch dimension first (nil where unknown).
    public var inputShapes: [[Int?]]
    /// Where the input shapes came from, for messages.
    public var inputShapeSource: String
    /// Named input shapes from `build_config.shapes_dict` (`query_shape`, `value_shape`, `key_shape`
    /// of an attention layer); empty when the build config has a plain `input_shape`.
    public var namedInputShapes: [String: [Int?]] = [:]
    /// For each call of the layer, the tensors it consumed.
    public var calls: [[TensorReference]]
    /// For each call read from Keras 3 JSON, its plain keyword arguments (``KerasModelReader/callOptions(_:)``);
    /// empty for Keras 2 JSON and compact specs.
    public var callOptions: [JSONObject] = []
    /// The model inside, for a nested Functional or Sequential.
    public var submodel: KerasModel?
    /// The layers inside a wrapper (Bidirectional: forward then backward; TimeDistributed: one).
    public var wrapped: [KerasSubLayer] = []
    /// Where in the JSON the layer is (`config.layers[3]`), for messages.
    public var jsonPath: String

    /// Whether this entry is a pure operation (`x + y`), which Keras does not list in `model.layers`.
    public var isOperation: Bool { module.hasPrefix("keras.src.ops") || module.hasPrefix("keras.ops") }

    /// A description for messages: `layer "conv1" (Conv2D) at config.layers[3]`.
    public var label: String { "layer \"\(name)\" (\(className)) at \(jsonPath)" }

    /// The input shape, when the layer has exactly one input.
    public var inputShape: [Int?]? { inputShapes.count == 1 ? inputShapes[0] : nil }
}

/// A reference to a tensor produced by a layer call: Keras' `keras_history` triple.
public struct TensorReference: Sendable, Hashable {
    /// The producing layer's name.
    public var layer: String
    /// Which call of that layer.
    public var node: Int
    /// Which output of that call.
    public var tensor: Int

    /// Creates a reference.
    public init(layer: String, node: Int, tensor: Int) {
        self.layer = layer
        self.node = node
        self.tensor = tensor
    }
}

/// A model a layer holds: a nested Functional or Sequential is one itself; a TimeDistributed
/// holds the model it wraps. Keras saves the held model's variables under the layer's path plus
/// ``pathSegment`` and names them with the layer's name plus ``nameSegment``:
/// `layers/time_distributed/layer/layers/dense/vars/0`, `time_distributed/inner/dense/kernel`.
public struct HeldModel: Sendable {
    /// The model.
    public var model: KerasModel
    /// What comes between the layer's saving path and the model's `layers/…` (`""` or `"layer/"`).
    public var pathSegment: String
    /// What comes between the layer's name and the model's layer names (`""` or `"inner/"`).
    public var nameSegment: String
}

extension KerasLayer {
    /// The model this layer is or wraps, or nil for a plain layer.
    public var heldModel: HeldModel? {
        if let submodel { return HeldModel(model: submodel, pathSegment: "", nameSegment: "") }
        if className == "TimeDistributed", wrapped.count == 1, let inner = wrapped[0].layer.submodel {
            return HeldModel(model: inner, pathSegment: "\(wrapped[0].key)/", nameSegment: "\(wrapped[0].layer.name)/")
        }
        return nil
    }
}
