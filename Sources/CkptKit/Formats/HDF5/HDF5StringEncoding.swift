/// The character set recorded in an HDF5 string type.
public enum HDF5StringEncoding: Sendable, Hashable {
    /// UTF-8 (h5py's default for `str`).
    case utf8
    /// ASCII (h5py's choice for `bytes`; Keras' legacy `.h5` writes `layer_names` this way).
    case ascii
}
