/// A checkpoint writer: accepts tensors one at a time, each in one or more pieces, so that a
/// tensor never has to be in memory whole.
///
/// For every tensor the caller calls `beginTensor`, then `append` with the tensor's raw
/// little-endian C-order bytes (in pieces that are whole rows along the first axis), then
/// `endTensor`; after the last tensor, `finish`.
protocol CheckpointWriter: AnyObject {
    /// Starts a tensor. `kerasPath` is its dataset path in Keras' `.weights.h5` layout.
    func beginTensor(_ info: TensorInfo, kerasPath: String) throws
    /// Appends whole rows of the current tensor.
    func append(_ bytes: UnsafeRawBufferPointer) throws
    /// Ends the current tensor (its byte count must be complete).
    func endTensor() throws
    /// Writes whatever closes the file and closes it.
    func finish() throws
}
