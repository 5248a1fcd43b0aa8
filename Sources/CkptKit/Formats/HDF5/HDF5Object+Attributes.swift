/// Attributes of groups, datasets and (through `HDF5File.root`) the file itself.
///
/// Written the way h5py writes them, so h5py and Keras read them back as `str`, arrays of
/// `str`/`bytes`, and NumPy float64/int64 arrays. Setting an attribute replaces any existing
/// one of the same name. Attributes over 64 KiB fail with an `HDF5Error` (HDF5 keeps them in the
/// object header); split them like Keras does (`layer_names0`, `layer_names1`, ...).
extension HDF5Object {
    /// The names of the object's attributes, in creation order when tracked, else name order.
    public func attributeNames() throws -> [String] {
        try objectHandle.attributeNames()
    }

    /// Whether the object has an attribute called `name`.
    public func hasAttribute(_ name: String) throws -> Bool {
        try objectHandle.hasAttribute(name)
    }

    /// Removes the attribute called `name`; throws if there is none.
    public func deleteAttribute(_ name: String) throws {
        try objectHandle.deleteAttribute(name)
    }

    /// Sets a scalar variable-length string attribute (h5py's `attrs[name] = "text"`).
    public func setAttribute(_ name: String, string: String, encoding: HDF5StringEncoding = .utf8) throws {
        try objectHandle.setStringAttribute(name, string, encoding: encoding)
    }

    /// Sets a 1-D string array attribute.
    ///
    /// - Parameters:
    ///   - variableLength: true for variable-length strings (h5py `str` arrays, Keras 3's
    ///     `layer_names`); false for fixed-length strings as wide as the longest one in bytes,
    ///     NUL-padded (NumPy `S` arrays, older Keras files).
    ///   - encoding: The character set recorded in the type (Keras' legacy `.h5` uses `.ascii`).
    public func setAttribute(
        _ name: String, strings: [String], variableLength: Bool = true, encoding: HDF5StringEncoding = .utf8
    ) throws {
        try objectHandle.setStringArrayAttribute(name, strings, variableLength: variableLength, encoding: encoding)
    }

    /// Sets a 1-D float64 attribute; `doubles: []` gives the empty shape-(0,) float64 array that
    /// Keras writes for an empty `weight_names`.
    public func setAttribute(_ name: String, doubles: [Double]) throws {
        try objectHandle.setDoubleAttribute(name, doubles, scalar: false)
    }

    /// Sets a 1-D int64 attribute.
    public func setAttribute(_ name: String, int64s: [Int64]) throws {
        try objectHandle.setInt64Attribute(name, int64s, scalar: false)
    }

    /// Sets a scalar float64 attribute.
    public func setAttribute(_ name: String, double: Double) throws {
        try objectHandle.setDoubleAttribute(name, [double], scalar: true)
    }

    /// Sets a scalar int64 attribute.
    public func setAttribute(_ name: String, int64: Int64) throws {
        try objectHandle.setInt64Attribute(name, [int64], scalar: true)
    }

    /// Reads a string attribute holding exactly one string (scalar or shape (1,)), or nil if the
    /// attribute does not exist. Throws if it is not a string attribute.
    public func stringAttribute(_ name: String) throws -> String? {
        try objectHandle.stringAttribute(name)
    }

    /// Reads a scalar or 1-D string attribute (variable- or fixed-length, ASCII or UTF-8), or nil
    /// if the attribute does not exist. A scalar gives one element. Throws if it is not a string
    /// attribute.
    public func stringArrayAttribute(_ name: String) throws -> [String]? {
        try objectHandle.stringArrayAttribute(name)
    }

    /// Reads a scalar or 1-D numeric attribute (any integer or float type) as Double, or nil if
    /// the attribute does not exist.
    public func doubleArrayAttribute(_ name: String) throws -> [Double]? {
        try objectHandle.doubleArrayAttribute(name)
    }

    /// Reads a scalar or 1-D integer attribute as Int64, or nil if the attribute does not exist.
    public func int64ArrayAttribute(_ name: String) throws -> [Int64]? {
        try objectHandle.int64ArrayAttribute(name)
    }
}
