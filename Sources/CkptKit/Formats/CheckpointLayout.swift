/// Everything a writer needs to lay out a file before any value exists: the tensors in write
/// order with their addresses in each format, the model's structure and the recipe.
public struct CheckpointLayout: Sendable {
    /// The tensors, in the order they will be written.
    public var tensors: [LayoutTensor]
    /// The names of every layer in Keras' `model.layers` (weightless ones included), in order:
    /// legacy `.h5` lists them in `layer_names`.
    public var topLevelLayers: [String]
    /// The model's Keras 3 JSON text (`model.to_json()`), when known. `.keras` and full legacy
    /// `.h5` files carry it; safetensors keeps it in `__metadata__`.
    public var modelConfig: String?
    /// For a full legacy `.h5`, the Keras 2 JSON to embed instead of `modelConfig`
    /// (``KerasDialect``), or nil.
    public var legacyModelConfig: LegacyModelConfig?
    /// How the values were made (ckpt version, seed, rules, per-tensor initializer), as JSON text.
    public var recipe: String?
    /// Pairs a safetensors header's `__metadata__` starts with (a Hugging Face folder's
    /// `{"format": "pt"}`, which transformers checks on load).
    public var headerMetadata: [(key: String, value: String)] = []
    /// Files a folder format writes beside the tensors (a Hugging Face folder's `config.json`
    /// and `generation_config.json`), in the order they are committed.
    public var folderFiles: [FolderFile] = []

    /// Creates a layout.
    public init(tensors: [LayoutTensor], topLevelLayers: [String] = [], modelConfig: String? = nil, recipe: String? = nil) {
        self.tensors = tensors
        self.topLevelLayers = topLevelLayers
        self.modelConfig = modelConfig
        self.recipe = recipe
    }

    /// Total bytes of all tensor values.
    public var byteCount: Int { tensors.reduce(0) { $0 + $1.info.byteCount } }
}

/// One tensor of a layout.
public struct LayoutTensor: Sendable {
    /// Canonical name, shape and dtype (the name keys npz and safetensors).
    public var info: TensorInfo
    /// The dataset path in Keras 3 `.weights.h5` (`layers/conv2d/vars/0`), when the model is known.
    public var kerasPath: String?
    /// Where legacy Keras `.h5` keeps it, when the model is known.
    public var legacy: LegacyLocation?

    /// Creates a layout tensor.
    public init(info: TensorInfo, kerasPath: String? = nil, legacy: LegacyLocation? = nil) {
        self.info = info
        self.kerasPath = kerasPath
        self.legacy = legacy
    }
}

/// A tensor's place in a legacy Keras `.h5` file (docs/formats/keras-hdf5.md).
public struct LegacyLocation: Sendable, Hashable {
    /// The top-level layer (an entry of `model.layers`) whose group holds it.
    public var layer: String
    /// The weight name listed in the group's `weight_names` (`dense/kernel`); the dataset is
    /// `<layer>/<weightName>`.
    public var weightName: String
    /// Whether the variable is trainable: `weight_names` lists trainable weights first.
    public var trainable: Bool

    /// Creates a location.
    public init(layer: String, weightName: String, trainable: Bool) {
        self.layer = layer
        self.weightName = weightName
        self.trainable = trainable
    }
}

/// A small file a folder format writes whole beside the tensors.
public struct FolderFile: Sendable, Equatable {
    /// The file's name in the folder.
    public var name: String
    /// Its bytes.
    public var bytes: [UInt8]

    /// Creates a file.
    public init(name: String, bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
    }
}
