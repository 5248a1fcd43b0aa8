/// How a format keys its tensors, which decides how they pair with a model's plan
/// (``TensorMatching``) and whether converting to it needs the model.
public enum TensorKeying: String, Sendable {
    /// By canonical name (`dense/kernel`): npz members, safetensors keys, plain HDF5 datasets.
    case name
    /// By the Keras 3 saving path (`layers/dense/vars/0`): `.weights.h5` and `.keras`.
    case kerasPath = "keras path"
    /// By position: the k-th weighted layer of the file is the model's k-th (legacy `.h5`, as
    /// Keras' legacy loader matches them).
    case position
}

/// What a format's writer is made from: the target, the whole layout, the options.
public struct WriterRequest {
    /// The path asked for (for a sharded output, the index or the name its shards derive from).
    public var path: String
    public var layout: CheckpointLayout
    public var options: WriterOptions
}

/// The files a format writes for one output, known before writing (batch claims them, and a
/// `--dry-run` lists them).
public struct PlannedFiles: Sendable, Equatable {
    /// Every file, the main one (the path, or a sharded checkpoint's index) last.
    public var paths: [String]
    /// Bytes of values in each file, in `paths` order, where the format knows them.
    public var valueBytes: [Int]?
}

/// One checkpoint format: everything the pipeline, batch, the CLI and the docs need to know
/// about it, in one value. ``FormatRegistry/all`` lists them; no code outside `Formats/` names
/// a concrete reader or writer (docs/extending.md, "Adding a format").
public struct FormatDescriptor: Sendable {
    /// The format.
    public let format: CheckpointFormat
    /// One line for `ckpt formats` and the docs' format table.
    public let summary: String
    /// File-name endings that ask for this format, lowercased (the longest match wins).
    public let extensions: [String]
    /// How its tensors are keyed.
    public let keying: TensorKeying
    /// Whether writing it needs the model's structure (Keras paths, layer names).
    public var needsModel: Bool { keying != .name }
    /// Whether it can be split into shard files (`--max-shard-size`, `--only-shards`).
    public let shards: Bool
    /// The writer, or nil for a format ckpt only reads.
    let writer: (@Sendable (WriterRequest) throws -> CheckpointWriter)?
    /// The files its writer writes at `path` for `layout` (nil: just `path`).
    let plannedFiles: (@Sendable (String, CheckpointLayout, WriterOptions) -> PlannedFiles)?
    /// For a format that shards: the index a sharded output at `path` gets, whatever the split.
    let shardIndex: (@Sendable (String) -> String)?

    /// Creates a descriptor (one per format folder, listed in ``FormatRegistry/all``).
    init(format: CheckpointFormat, summary: String, extensions: [String], keying: TensorKeying, shards: Bool,
         writer: (@Sendable (WriterRequest) throws -> CheckpointWriter)?,
         plannedFiles: (@Sendable (String, CheckpointLayout, WriterOptions) -> PlannedFiles)?,
         shardIndex: (@Sendable (String) -> String)? = nil) {
        self.format = format
        self.summary = summary
        self.extensions = extensions
        self.keying = keying
        self.shards = shards
        self.writer = writer
        self.plannedFiles = plannedFiles
        self.shardIndex = shardIndex
    }

    /// The index file of a sharded output at `path` (nil for a format that does not shard).
    public func shardIndexPath(for path: String) -> String? { shardIndex?(path) }

    /// Whether ckpt writes this format.
    public var isWritable: Bool { writer != nil }

    /// The files an output at `path` consists of.
    public func files(at path: String, layout: CheckpointLayout, options: WriterOptions) -> PlannedFiles {
        plannedFiles?(path, layout, options) ?? PlannedFiles(paths: [path], valueBytes: nil)
    }

    /// A writer for `request`, behind the writer contract (``CheckedWriter``).
    public func makeWriter(_ request: WriterRequest) throws -> CheckpointWriter {
        guard let writer else {
            throw OutputError(path: request.path, "ckpt reads plain HDF5 files but writes Keras layouts; use .weights.h5 or .h5")
        }
        if let quantize = request.options.quantize, format != .gguf {
            throw OutputError(path: request.path, "--quantize \(quantize.rawValue) is for GGUF outputs (.gguf), not \(format.rawValue)")
        }
        if let selection = request.options.onlyShards, !shards {
            throw OutputError(path: request.path, "only some shards (\(selection)) can be written of a sharded safetensors checkpoint, not of \(format.rawValue)")
        }
        return CheckedWriter(try writer(request), layout: request.layout, path: request.path)
    }
}

/// One way of recognising a file by its content, and the reader that opens it. One reader may
/// serve several formats (the HDF5 reader tells `.weights.h5`, legacy `.h5` and plain HDF5
/// apart by their structure).
public struct ReaderFamily: Sendable {
    /// For messages: what the file is (`HDF5`).
    public let name: String
    /// Whether a file whose first bytes are `head` (up to 8) at `path` belongs to this family;
    /// `file` gives more bytes when needed.
    let recognizes: @Sendable (_ head: [UInt8], _ path: String, _ file: InputFile) -> Bool
    /// Opens the file at the path; the ``ReadOptions`` are for the formats that have choices
    /// (torch files), the others ignore them.
    let open: @Sendable (String, ReadOptions) throws -> CheckpointReader
}

/// Every format ckpt reads or writes, in one list.
public enum FormatRegistry {
    /// The descriptors, in the order `--help`, `ckpt formats` and the docs list them.
    public static let all: [FormatDescriptor] = [
        KerasWeightsWriter.descriptor, KerasArchiveWriter.descriptor, LegacyH5Writer.descriptor,
        NPZCheckpointWriter.descriptor, SafetensorsWriter.descriptor, TorchCheckpointWriter.descriptor,
        HDF5CheckpointReader.plainDescriptor, HFFolderWriter.descriptor, GGUFWriter.descriptor,
    ]

    /// The content families, tried in order when a file is opened.
    static let readers: [ReaderFamily] = [
        TorchCheckpointReader.indexFamily, SafetensorsReader.indexFamily, GGUFReader.family, HDF5CheckpointReader.family, ZipFamily.family,
        TorchCheckpointReader.legacyFamily, SafetensorsReader.family,
    ]

    /// The descriptor of `format`.
    public static func descriptor(_ format: CheckpointFormat) -> FormatDescriptor {
        all.first { $0.format == format }!
    }

    /// The formats ckpt writes.
    public static var writable: [FormatDescriptor] { all.filter(\.isWritable) }

    /// The format a file name asks for, by its ending (the longest matching ending wins).
    public static func format(forPath path: String) -> CheckpointFormat? {
        let name = path.split(separator: "/").last.map(String.init)?.lowercased() ?? ""
        var best: (format: CheckpointFormat, length: Int)?
        for descriptor in writable {
            for ending in descriptor.extensions where name.hasSuffix(ending) && ending.count > (best?.length ?? 0) {
                best = (descriptor.format, ending.count)
            }
        }
        return best?.format
    }

    /// The endings of the writable formats, for messages (`.weights.h5, .keras, …`).
    static var writableEndings: String {
        writable.compactMap(\.extensions.first).joined(separator: ", ")
    }
}

/// Zip files: a `.keras` archive (it has the Keras members), a `torch.save` file (one
/// `<folder>/data.pkl`), or an `.npz`.
enum ZipFamily {
    static let family = ReaderFamily(
        name: "zip",
        recognizes: { head, _, _ in head.starts(with: [0x50, 0x4B]) },
        open: { path, options in try open(path, options: options) })

    private static func open(_ path: String, options: ReadOptions) throws -> CheckpointReader {
        let zip = try ZipReader(path: path)
        // A Keras archive (its config or metadata), even one whose weights member is missing:
        // the Keras reader says that, where the npz reader would complain about config.json.
        if zip.entries.contains(where: { ["model.weights.h5", "config.json", "metadata.json"].contains($0.name) }) {
            return try KerasArchiveReader(path: path)
        }
        if TorchCheckpointReader.zipRoot(zip.entries) != nil {
            return try TorchCheckpointReader(path: path, options: options)
        }
        return try NPZCheckpointReader(path: path)
    }
}
