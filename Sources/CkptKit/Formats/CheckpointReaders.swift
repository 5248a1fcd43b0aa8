import Foundation

/// Opens any checkpoint file ckpt reads, recognising the format by its content.
public enum CheckpointReaders {
    /// A reader for the file at `path`: HDF5 (Keras 3 `.weights.h5`, legacy `.h5`, plain h5py
    /// files), zip (`.keras` archive or `.npz`), or safetensors (a file or an `.index.json`).
    public static func open(path: String) throws -> CheckpointReader {
        // Every reader below opens by path (libhdf5 too): refuse FIFOs, sockets and devices here,
        // with a stat that cannot block, rather than in an open that can.
        if let problem = InputFile.problem(at: path) {
            throw CheckpointError(path: path, problem == "not a regular file (a folder)" ? "is a folder, not a checkpoint file" : problem)
        }
        if path.lowercased().hasSuffix(".index.json") { return try SafetensorsReader(path: path) }
        let file = try InputFile(path: path)
        let head = try file.read(count: min(8, file.size), at: 0)
        defer { file.close() }
        if head.starts(with: hdf5Signature) || (head.count == 8 && hasHDF5SignatureAfterUserBlock(file)) {
            return try HDF5CheckpointReader(path: path)
        }
        if head.starts(with: [0x50, 0x4B]) {
            let zip = try ZipReader(path: path)
            // A Keras archive (its config or metadata), even one whose weights member is missing:
            // the Keras reader says that, where the npz reader would complain about config.json.
            if zip.entries.contains(where: { ["model.weights.h5", "config.json", "metadata.json"].contains($0.name) }) {
                return try KerasArchiveReader(path: path)
            }
            return try NPZCheckpointReader(path: path)
        }
        if path.lowercased().hasSuffix(".safetensors") || head.count == 8 {
            // safetensors starts with a little-endian header length; its own checks decide.
            if path.lowercased().hasSuffix(".safetensors") { return try SafetensorsReader(path: path) }
            if let reader = try? SafetensorsReader(path: path) { return reader }
        }
        throw CheckpointError(path: path, "not a checkpoint ckpt can read (expected HDF5, a zip (.keras/.npz) or safetensors)")
    }

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
