/// The name, shape and element type of one tensor, known before any value exists.
public struct TensorInfo: Sendable, Hashable {
    /// The canonical tensor name (`block1_conv1/kernel`), unique in a checkpoint.
    public var name: String
    /// Dimensions, outermost first (C order). An empty shape is a scalar.
    public var shape: [Int]
    /// Element type.
    public var dtype: DType

    /// Creates a tensor description.
    public init(name: String, shape: [Int], dtype: DType) {
        self.name = name
        self.shape = shape
        self.dtype = dtype
    }

    /// Number of elements (1 for a scalar).
    public var elementCount: Int { shape.reduce(1, *) }

    /// Number of bytes of the tensor's values.
    public var byteCount: Int { elementCount * dtype.byteSize }
}
