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
