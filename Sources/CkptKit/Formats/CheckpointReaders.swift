import Foundation

/// How to read a checkpoint, where a format has choices (today only `torch.save` files do).
public struct ReadOptions: Sendable, Equatable {
    /// Keep the tensors of optimizer and scheduler states (a Lightning checkpoint's
    /// `optimizer_states`, a training loop's `optimizer`), under their paths, after the model's.
    public var includeOptimizer: Bool
    /// Read a non-contiguous view (a transposed tensor saved without `.contiguous()`) by copying
    /// its elements in C order, holding the storage range it spans in memory; without it such a
    /// tensor is an error naming it.
    public var copyStridedViews: Bool

    /// Creates options.
    public init(includeOptimizer: Bool = false, copyStridedViews: Bool = false) {
        self.includeOptimizer = includeOptimizer
        self.copyStridedViews = copyStridedViews
    }
}

/// Opens any checkpoint file ckpt reads, recognising the format by its content.
public enum CheckpointReaders {
    /// A reader for the file at `path`: HDF5 (Keras 3 `.weights.h5`, legacy `.h5`, plain h5py
    /// files), zip (`.keras` archive, `.npz` or `torch.save`), legacy `torch.save`, or safetensors
    /// (a file or an `.index.json`).
    public static func open(path: String, options: ReadOptions = ReadOptions()) throws -> CheckpointReader {
        // A Hugging Face model folder is read through its weights file (or its shards' index).
        if let weights = HFFolderWriter.weightsFile(inFolder: path) {
            let reader = try SafetensorsReader(path: weights)
            reader.folderFiles = try HFFolderWriter.folderFiles(inFolder: path)
            return reader
        }
        // Every reader below opens by path (libhdf5 too): refuse FIFOs, sockets and devices here,
        // with a stat that cannot block, rather than in an open that can.
        if let problem = InputFile.problem(at: path) {
            throw CheckpointError(path: path, problem == "not a regular file (a folder)" ? "is a folder, not a checkpoint file" : problem)
        }
        let file = try InputFile(path: path)
        defer { file.close() }
        let head = try file.read(count: min(8, file.size), at: 0)
        for family in FormatRegistry.readers where family.recognizes(head, path, file) {
            return try family.open(path, options)
        }
        throw CheckpointError(path: path, notACheckpoint)
    }

    static let notACheckpoint = "not a checkpoint ckpt can read (expected HDF5, a zip (.keras/.npz/torch.save), a legacy torch.save file or safetensors)"

    static let hdf5Signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Whether an HDF5 superblock follows a user block: libhdf5 looks for the signature at
    /// offset 0, 512, 1024, 2048, … (h5py's `userblock_size`).
    static func hasHDF5SignatureAfterUserBlock(_ file: InputFile) -> Bool {
        var offset = 512
        while offset <= file.size - hdf5Signature.count {
            if (try? file.read(count: hdf5Signature.count, at: offset)) == hdf5Signature { return true }
            offset *= 2
        }
        return false
    }
}
