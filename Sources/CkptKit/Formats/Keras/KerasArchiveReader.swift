import Foundation

/// Reads a Keras 3 `.keras` archive: `config.json` is the model, `model.weights.h5` the weights.
///
/// A stored weights member (as Keras writes it) is read in place by libhdf5
/// (``HDF5EmbeddedDriver``); its CRC-32 is checked on a background thread from the first tensor
/// read on, and ``verify()`` reports it. A deflated member is copied to a temporary file first
/// (removed when the reader goes away), its CRC-32 checked on the way.
final class KerasArchiveReader: CheckpointReader {
    /// The largest `config.json` or `metadata.json` accepted (a real model config is a few MB).
    static let maximumConfigBytes = 256 << 20

    let path: String
    let modelConfig: String?
    /// Why `config.json` cannot be used, when it is broken (``CheckpointReader/modelConfigError``).
    let modelConfigError: String?
    let metadata: [(key: String, value: String)]
    private let weights: HDF5CheckpointReader
    /// The file libhdf5 reads: the archive itself, or the temporary copy.
    private let weightsPath: String
    /// The stored member read in place, whose CRC-32 is still to check.
    private let storedMember: (zip: ZipReader, entry: ZipReader.Entry)?
    private let checkLock = NSLock()
    private var check: ZipMemberCheck?

    init(path: String) throws {
        self.path = path
        let zip = try ZipReader(path: path)
        func member(_ name: String) -> ZipReader.Entry? { zip.entries.first { $0.name == name } }
        guard let weightsEntry = member("model.weights.h5") else {
            throw KerasFormatError(.invalidLayout, path: path, object: "archive", reason: "no model.weights.h5 member; not a Keras 3 .keras archive")
        }
        func bytes(_ entry: ZipReader.Entry) throws -> [UInt8] {
            guard entry.uncompressedSize <= Self.maximumConfigBytes else {
                throw KerasFormatError(.malformedFile, path: path, object: entry.name, reason: "\(entry.uncompressedSize) bytes is too large for a JSON member")
            }
            let reader = zip.contents(of: entry)
            let bytes = try reader.read(count: entry.uncompressedSize)
            try reader.finish()
            return bytes
        }
        func text(_ entry: ZipReader.Entry) throws -> String {
            String(decoding: try bytes(entry), as: UTF8.self)
        }
        if let configEntry = member("config.json") {
            let config = try bytes(configEntry)
            let problem: String?
            do {
                // The parser names an invalid UTF-8 byte, never a silent U+FFFD.
                let json = try JSONParser.parse(config)
                if json.object == nil {
                    problem = "config.json is not a JSON object"
                } else if json["class_name"]?.string == nil || json["config"]?.object == nil {
                    problem = "config.json has no class_name and config object: it is not a Keras model's config"
                } else {
                    problem = nil
                }
            } catch {
                problem = "config.json is not valid JSON (\(error))"
            }
            modelConfig = problem == nil ? String(decoding: config, as: UTF8.self) : nil
            modelConfigError = problem
        } else {
            modelConfig = nil
            modelConfigError = nil
        }
        var pairs: [(key: String, value: String)] = [("members", zip.entries.map(\.name).joined(separator: ", "))]
        if let metadataEntry = member("metadata.json"), let json = try? JSONParser.parse(try text(metadataEntry)).object {
            for (key, value) in json.members {
                pairs.append((key, value.string ?? JSONWriter.string(value, style: .compact)))
            }
        }
        metadata = pairs
        if weightsEntry.method == .stored, try Self.startsWithHDF5Signature(zip, weightsEntry) {
            weightsPath = path
            storedMember = (zip, weightsEntry)
            do {
                weights = try HDF5CheckpointReader(
                    path: path, embedding: HDF5Embedding(offset: weightsEntry.dataOffset, size: weightsEntry.uncompressedSize))
            } catch {
                throw Self.naming(error, temporaryPath: path, archive: path)
            }
            return
        }
        storedMember = nil
        weightsPath = FileManager.default.temporaryDirectory
            .appendingPathComponent("ckpt-keras-\(getpid())-\(UUID().uuidString).weights.h5").path
        Interruption.register(weightsPath)
        do {
            let out = try OutputFile(path: weightsPath, mode: .exclusive)
            let reader = zip.contents(of: weightsEntry)
            let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 4 << 20, alignment: 64)
            defer { chunk.deallocate() }
            while reader.remaining > 0 {
                let piece = UnsafeMutableRawBufferPointer(rebasing: chunk[0..<min(chunk.count, reader.remaining)])
                try reader.read(into: piece)
                try out.write(UnsafeRawBufferPointer(piece))
            }
            try reader.finish()
            try out.close()
            weights = try HDF5CheckpointReader(path: weightsPath)
        } catch {
            unlink(weightsPath)
            Interruption.unregister(weightsPath)
            throw Self.naming(error, temporaryPath: weightsPath, archive: path)
        }
    }

    /// `error` with the temporary copy's path replaced by the archive and member
    /// (`m.keras: model.weights.h5: …`), so messages name a file the user has.
    static func naming(_ error: any Error, temporaryPath: String, archive: String) -> any Error {
        let member = "model.weights.h5"
        switch error {
        case var error as KerasFormatError where error.path == temporaryPath:
            error.path = archive
            error.object = error.object.map { "\(member): \($0)" } ?? member
            return error
        case var error as HDF5Error where error.filePath == temporaryPath:
            error.filePath = "\(archive) (\(member))"
            return error
        default:
            return error
        }
    }

    deinit {
        checkLock.withLock { check?.cancel() }
        if weightsPath != path {
            unlink(weightsPath)
            Interruption.unregister(weightsPath)
        }
    }

    /// Whether a stored member starts with HDF5's signature (a file libhdf5 finds only at a
    /// larger power of two, after a user block, is read from a copy instead).
    private static func startsWithHDF5Signature(_ zip: ZipReader, _ entry: ZipReader.Entry) throws -> Bool {
        guard entry.uncompressedSize >= 8 else { return false }
        return try zip.contents(of: entry, chunkCapacity: 4096).read(count: 8) == [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]
    }

    var format: CheckpointFormat { .keras }
    var tensors: [StoredTensor] { weights.tensors }
    var recipe: String? {
        guard let text = metadata.first(where: { $0.key == "ckpt_recipe" })?.value else { return nil }
        return text
    }

    func open(_ tensor: StoredTensor) throws -> TensorByteReader {
        if let member = storedMember {
            checkLock.withLock {
                if check == nil { check = ZipMemberCheck(member.zip, member.entry) }
            }
        }
        do {
            return WeightsMember(try weights.open(tensor), temporaryPath: weightsPath, archive: path)
        } catch {
            throw Self.naming(error, temporaryPath: weightsPath, archive: path)
        }
    }

    /// Waits for the check of the weights member read in place (started by the first tensor read).
    func verify() throws {
        try checkLock.withLock { check }?.result()
    }

    /// A tensor of the weights, its errors naming the archive.
    private final class WeightsMember: TensorByteReader {
        let source: TensorByteReader
        let temporaryPath: String
        let archive: String

        init(_ source: TensorByteReader, temporaryPath: String, archive: String) {
            (self.source, self.temporaryPath, self.archive) = (source, temporaryPath, archive)
        }

        func read(into buffer: UnsafeMutableRawBufferPointer) throws {
            do {
                try source.read(into: buffer)
            } catch {
                throw KerasArchiveReader.naming(error, temporaryPath: temporaryPath, archive: archive)
            }
        }

        func finish() throws {
            try source.finish()
        }
    }
}
