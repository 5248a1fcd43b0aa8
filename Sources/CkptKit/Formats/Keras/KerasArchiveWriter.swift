import Foundation

/// Writes a Keras 3 `.keras` archive: a stored zip of `metadata.json`, `config.json` (the model's
/// Keras 3 JSON) and `model.weights.h5` (the `.weights.h5` layout), in the order Keras writes them
/// (docs/formats/keras-weights.md, "`.keras` archive"). `keras.models.load_model` loads it.
///
/// The weights member is an HDF5 file built in place, inside the archive being written: libhdf5
/// writes it from the member's data offset (``HDF5EmbeddedDriver``), the values of large datasets
/// around libhdf5 (``HDF5DirectValues``, which keeps their CRC-32s), and the member's CRC-32 is
/// assembled from those and the rest of the member read back. The local header must be laid out
/// before the member's size is known, with or without ZIP64 fields; when the tensors' bytes are
/// too close to 4 GiB to tell, the weights go to a temporary HDF5 file beside the target first
/// and are copied into the archive, as before. The archive's bytes are the same either way.
final class KerasArchiveWriter: CheckpointWriter {
    /// The Keras version recorded in `metadata.json` (Keras never reads it; docs/formats/keras-weights.md).
    static let kerasVersion = "3.15.1"
    /// The member holding the weights.
    static let weightsMember = "model.weights.h5"

    /// The archive being built with the weights member in place.
    private struct InPlace {
        let file: OutputFile
        let zip: ZipWriter
        /// The archive offset of the weights member's data (the HDF5 file's first byte).
        let start: Int
        let values: HDF5DirectValues
    }

    private let output: AtomicOutput
    private let weights: KerasWeightsWriter
    private let config: String
    private let recipe: String?
    private let directIO: DirectIO
    private let inPlace: InPlace?
    /// The temporary weights file when not in place.
    private let weightsPath: String?

    init(path: String, layout: CheckpointLayout, options: WriterOptions) throws {
        guard let config = layout.modelConfig else {
            throw OutputError(path: path, "a .keras archive needs the model's JSON (config.json); pass --spec")
        }
        let output = try AtomicOutput(path: path, overwrite: options.overwrite)
        self.output = output
        self.config = config
        self.recipe = layout.recipe
        self.directIO = options.directIO
        let valueBytes = layout.tensors.reduce(0) { $0 + $1.info.byteCount }
        guard options.kerasWeightsInPlace, let zip64 = Self.weightsNeedZip64(valueBytes: valueBytes, tensorCount: layout.tensors.count) else {
            let separate = output.namedSibling(".weights.h5")
            weightsPath = separate
            inPlace = nil
            weights = try KerasWeightsWriter(unmanagedPath: separate)
            return
        }
        weightsPath = nil
        var opened: (file: OutputFile, hdf5: HDF5File?)?
        do {
            let file = try OutputFile(path: output.temporaryPath, mode: .truncate, directIO: options.directIO, expectedSize: valueBytes)
            opened = (file, nil)
            let zip = ZipWriter(file: file)
            try Self.addLeadingMembers(zip, config: config, recipe: layout.recipe)
            try zip.beginEntry(name: Self.weightsMember, method: .stored, uncompressedSize: nil, mayExceed4GiB: zip64)
            let start = try zip.beginDataWrittenElsewhere()
            let hdf5 = try HDF5File.create(atPath: output.temporaryPath, embedding: HDF5Embedding(offset: start, size: nil))
            opened?.hdf5 = hdf5
            // Always around libhdf5 here (buffered where direct I/O is off), for the CRC-32s.
            guard let values = try HDF5DirectValues.open(path: output.temporaryPath, base: start, expectedSize: valueBytes,
                                                         directIO: options.directIO, always: true, checksums: true) else {
                throw OutputError(path: path, "could not open the archive for the weights' values")
            }
            inPlace = InPlace(file: file, zip: zip, start: start, values: values)
            weights = KerasWeightsWriter(output: AtomicOutput(unmanagedPath: output.temporaryPath), file: hdf5, directValues: values)
        } catch {
            try? opened?.hdf5?.close()
            try? opened?.file.close()
            output.discard()
            throw error
        }
    }

    func beginTensor(_ tensor: LayoutTensor) throws { try weights.beginTensor(tensor) }
    func append(_ bytes: UnsafeRawBufferPointer) throws { try weights.append(bytes) }
    func endTensor() throws { try weights.endTensor() }

    func finish() throws {
        guard let inPlace else {
            try finishViaCopy()
            return
        }
        // Writes the values, then libhdf5 closes the file, cutting the archive at its end.
        try weights.finish()
        let size = try InputFile(path: output.temporaryPath).size - inPlace.start
        let crc = try memberCRC(inPlace, size: size)
        try inPlace.zip.endEntry(writtenElsewhere: size, crc: crc)
        try inPlace.zip.finish()
        try inPlace.file.sync()
        try inPlace.file.close()
        try output.commit()
    }

    func abort() {
        weights.abort()
        if let weightsPath {
            unlink(weightsPath)
            Interruption.unregister(weightsPath)
        }
        try? inPlace?.file.close()
        output.discard()
    }

    /// Whether the weights member needs ZIP64 fields (its size reaches 0xFFFFFFFF, ZipWriter's
    /// rule), from the tensors' bytes; nil when the HDF5 structure's size could decide it.
    static func weightsNeedZip64(valueBytes: Int, tensorCount: Int) -> Bool? {
        let limit = Int(ZipFormat.zip64Marker32)
        if valueBytes >= limit { return true }
        // Superblock, groups, object headers, B-trees and heaps: a few KiB per tensor at most.
        let structure = (1 << 20) + tensorCount * (16 << 10)
        return valueBytes + structure < limit ? false : nil
    }

    /// The CRC-32 of the weights member: the ranges written around libhdf5 from their own
    /// CRC-32s, the rest (structure, small datasets, first rows) read back.
    private func memberCRC(_ inPlace: InPlace, size: Int) throws -> UInt32 {
        let input = try InputFile(path: output.temporaryPath)
        defer { input.close() }
        var crc: UInt32 = 0
        var position = 0
        func readBack(upTo end: Int) throws {
            guard end > position else { return }
            let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: min(end - position, 8 << 20), alignment: 64)
            defer { chunk.deallocate() }
            var part = CRC32()
            let length = end - position
            while position < end {
                let piece = UnsafeMutableRawBufferPointer(rebasing: chunk[0 ..< min(chunk.count, end - position)])
                try input.read(into: piece, at: inPlace.start + position)
                part.update(UnsafeRawBufferPointer(piece))
                position += piece.count
            }
            crc = CRC32Combination.combine(crc, part.value, secondLength: length)
        }
        for range in inPlace.values.ranges.sorted(by: { $0.start < $1.start }) where range.count > 0 {
            guard range.start >= position, range.start + range.count <= size else {
                throw OutputError(path: output.targetPath, "the weights' values overlap at offset \(range.start) of \(Self.weightsMember)")
            }
            try readBack(upTo: range.start)
            crc = CRC32Combination.combine(crc, range.crc.value, secondLength: range.count)
            position = range.start + range.count
        }
        try readBack(upTo: size)
        return crc
    }

    // MARK: Via a temporary file

    /// Copies the finished temporary weights file into the archive.
    private func finishViaCopy() throws {
        guard let weightsPath else { return }
        try weights.finish()
        defer {
            unlink(weightsPath)
            Interruption.unregister(weightsPath)
        }
        let source = try InputFile(path: weightsPath)
        defer { source.close() }
        let file = try OutputFile(path: output.temporaryPath, mode: .truncate, directIO: directIO, expectedSize: source.size)
        let zip = ZipWriter(file: file)
        try Self.addLeadingMembers(zip, config: config, recipe: recipe)
        try zip.beginEntry(name: Self.weightsMember, method: .stored, uncompressedSize: source.size, mayExceed4GiB: source.size >= Int(UInt32.max))
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: OutputFile.directChunkSize, alignment: OutputFile.directAlignment)
        defer { chunk.deallocate() }
        var position = 0
        while position < source.size {
            let count = min(chunk.count, source.size - position)
            let piece = UnsafeMutableRawBufferPointer(rebasing: chunk[0..<count])
            try source.read(into: piece, at: position)
            try zip.append(UnsafeRawBufferPointer(piece))
            position += count
        }
        try zip.endEntry()
        try zip.finish()
        try file.sync()
        try file.close()
        try output.commit()
    }

    /// `metadata.json` and `config.json`.
    private static func addLeadingMembers(_ zip: ZipWriter, config: String, recipe: String?) throws {
        // metadata.json has no date, so the same inputs give the same bytes.
        var metadata = JSONObject()
        metadata["keras_version"] = .string(kerasVersion)
        metadata["ckpt_version"] = .string(CkptVersion.current)
        if let recipe, let parsed = try? JSONParser.parse(recipe) { metadata["ckpt_recipe"] = parsed }
        try addEntry(zip, name: "metadata.json", bytes: Array(JSONWriter.string(.object(metadata), style: .python).utf8))
        try addEntry(zip, name: "config.json", bytes: Array(config.utf8))
    }

    private static func addEntry(_ zip: ZipWriter, name: String, bytes: [UInt8]) throws {
        try zip.beginEntry(name: name, method: .stored, uncompressedSize: bytes.count)
        try bytes.withUnsafeBytes { try zip.append($0) }
        try zip.endEntry()
    }
}
