import ArgumentParser
import CkptKit

/// Options of every command that reads checkpoints.
struct ReadingOptions: ParsableArguments {
    @Option(
        name: .customLong("max-decompressed"), help: ArgumentHelp(
            "The most bytes an HDF5 file's compressed or partly written datasets may expand to, in total (default 16GiB; e.g. 64GiB).",
            valueName: "SIZE"))
    var maxDecompressed: String?

    func validate() throws {
        if let maxDecompressed, ByteSize.parse(maxDecompressed) == nil {
            throw ValidationError("--max-decompressed: '\(maxDecompressed)' is not a size (a number of bytes, or with KB, MB, GB, KiB, MiB, GiB)")
        }
    }

    /// Sets the limits for this process (and the HDF5 probe it starts).
    func apply() {
        HDF5CheckpointReader.maximumExpandedBytes = maxDecompressed.flatMap(ByteSize.parse) ?? HDF5CheckpointReader.defaultMaximumExpandedBytes
    }
}

/// Choices for reading `torch.save` files, for the commands that read one checkpoint at a time
/// (`convert INPUT OUTPUT`, `inspect`, `diff`).
struct TorchReadingOptions: ParsableArguments {
    @Flag(help: "torch.save files: keep the tensors of optimizer and scheduler states (a Lightning checkpoint's optimizer_states, a training loop's optimizer), under their paths after the model's.")
    var includeOptimizer = false

    @Flag(help: "torch.save files: copy a non-contiguous view (a tensor saved transposed, without .contiguous()) in C order, holding the storage range it spans in memory, instead of refusing it.")
    var copyStrided = false

    /// Whether a flag was given.
    var isUsed: Bool { includeOptimizer || copyStrided }

    /// The library's options.
    var options: ReadOptions { ReadOptions(includeOptimizer: includeOptimizer, copyStridedViews: copyStrided) }
}
