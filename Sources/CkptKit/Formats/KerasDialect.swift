/// Which Keras reads the model config a full legacy `.h5` embeds (`--keras-dialect`).
///
/// Keras 3 rejects Keras 2 (tf.keras, tf-keras) JSON in `model_from_json`, and tf.keras rejects
/// Keras 3 JSON (`batch_shape`, `DTypePolicy` objects). A full `.h5` made from a Keras 2 model
/// JSON embeds that JSON as given, which tf.keras loads and Keras 3's legacy `.h5` loader reads
/// too; from Keras 3 JSON or a compact spec it embeds Keras 3 JSON. ckpt does not translate
/// JSON to Keras 2. `.keras` archives always hold Keras 3 JSON.
public enum KerasDialect: String, Sendable, Hashable, CaseIterable {
    case keras2 = "2"
    case keras3 = "3"

    /// The model config a full `.h5` embeds, its `keras_version` and `backend` attributes, from
    /// the Keras 3 JSON (always known) and the Keras 2 JSON as given (when the model came as such).
    ///
    /// - Parameters:
    ///   - requested: `--keras-dialect`, or nil for the model's own dialect.
    ///   - format: The target; the choice matters only for `.h5` (and is refused for `.keras`).
    ///   - path: The output, for errors.
    /// - Returns: nil to embed the Keras 3 JSON (`CheckpointLayout.modelConfig`).
    static func legacyConfig(
        keras2: String?, requested: KerasDialect?, format: CheckpointFormat, path: String
    ) throws(OutputError) -> LegacyModelConfig? {
        switch requested {
        case nil, .keras2?:
            if requested == .keras2 {
                if format == .keras {
                    throw OutputError(path: path, "--keras-dialect 2: a .keras archive holds Keras 3 JSON only; write a full .h5 for tf.keras")
                }
                guard keras2 != nil else {
                    throw OutputError(path: path, "--keras-dialect 2 needs the model as Keras 2 JSON (tf.keras model.to_json()); ckpt does not translate Keras 3 JSON or a compact spec to Keras 2")
                }
            }
            guard format == .legacyH5, let keras2 else { return nil }
            let json = try? JSONParser.parse(keras2)
            return LegacyModelConfig(
                text: keras2, kerasVersion: json?["keras_version"]?.string ?? "2.21.0",
                backend: json?["backend"]?.string ?? "tensorflow")
        case .keras3?:
            return nil
        }
    }
}

/// A Keras 2 model config for a full legacy `.h5`, with the attributes tf.keras writes beside it.
public struct LegacyModelConfig: Sendable, Hashable {
    /// The Keras 2 JSON, as given.
    public var text: String
    /// The root `keras_version` attribute (the JSON's own `keras_version`, else tf-keras 2.21.0).
    public var kerasVersion: String
    /// The root `backend` attribute (`tensorflow`).
    public var backend: String
}
