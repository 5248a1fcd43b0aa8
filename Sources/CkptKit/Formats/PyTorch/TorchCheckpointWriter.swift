/// Writes a `pytorch_model.bin` in the zip format that `torch.load(weights_only=True)` reads,
/// one tensor at a time in bounded memory.
///
/// The members are those torch 2.x writes (torch/serialization.py `_save` and the C++
/// PyTorchStreamWriter), in its order: `<root>/data.pkl` (``TorchPickleWriter``),
/// `.format_version` (`1`), `.storage_alignment` (`64`), `byteorder` (`little`), `data/<k>`
/// (tensor k's bytes, stored, 64-byte aligned), `version` (`3`), `.data/serialization_id`.
/// The root folder is the file's stem, as torch names it. ckpt's recipe, when there is one, is
/// the extra member `<root>/ckpt_recipe.json`, which torch ignores.
final class TorchCheckpointWriter: CheckpointWriter {
    /// torch's `_get_storage_alignment()` default.
    static let alignment = 64

    private let output: AtomicOutput
    private let file: OutputFile
    private let zip: ZipWriter
    private let root: String
    private let layout: CheckpointLayout
    private var index = 0

    init(path: String, layout: CheckpointLayout, options: WriterOptions) throws {
        self.layout = layout
        root = Self.rootName(for: path)
        var names: Set<String> = []
        for tensor in layout.tensors where !names.insert(tensor.info.name).inserted {
            throw TorchError(.usage, path: path, place: "tensor '\(tensor.info.name)'", reason: "the tensor name is declared twice")
        }
        output = try AtomicOutput(path: path, overwrite: options.overwrite)
        do {
            file = try OutputFile(path: output.temporaryPath, mode: .truncate, directIO: options.directIO, expectedSize: layout.byteCount)
        } catch {
            output.discard()
            throw TorchError(error)
        }
        zip = ZipWriter(file: file)
        do {
            let pickle = TorchPickleWriter.pickle(layout.tensors.map(\.info))
            try record("data.pkl", pickle)
            try record(".format_version", Array("1".utf8))
            try record(".storage_alignment", Array(String(Self.alignment).utf8))
            try record("byteorder", Array("little".utf8))
        } catch {
            output.discard()
            throw error
        }
    }

    /// The file's stem (`pytorch_model` for `pytorch_model.bin`), or `archive` when that is
    /// not a safe member name.
    static func rootName(for path: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? ""
        let stem = name.lastIndex(of: ".").map { String(name[..<$0]) } ?? name
        guard !stem.isEmpty, !stem.hasPrefix("."), ZipFormat.problem(withName: stem + "/data.pkl") == nil else { return "archive" }
        return stem
    }

    func beginTensor(_ tensor: LayoutTensor) throws {
        try zip.beginEntry(name: "\(root)/data/\(index)", method: .stored, uncompressedSize: tensor.info.byteCount,
                           mayExceed4GiB: tensor.info.byteCount >= 1 << 32, alignment: Self.alignment)
    }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        try zip.append(bytes)
    }

    func endTensor() throws {
        try zip.endEntry()
        index += 1
    }

    func finish() throws {
        if let recipe = layout.recipe { try record(TorchCheckpointReader.recipeMember, Array(recipe.utf8)) }
        try record("version", Array("3\n".utf8))
        try record(".data/serialization_id", serializationID())
        try zip.finish()
        do {
            try file.sync()
            try file.close()
        } catch {
            throw TorchError(error)
        }
        try output.commit()
    }

    func abort() {
        output.discard()
    }

    private func record(_ name: String, _ bytes: [UInt8]) throws {
        try zip.beginEntry(name: "\(root)/\(name)", method: .stored, uncompressedSize: bytes.count, alignment: Self.alignment)
        try bytes.withUnsafeBytes { try zip.append($0) }
        try zip.endEntry()
    }

    /// 40 decimal digits like torch's, but derived from the tensors' names, shapes and dtypes
    /// (FNV-1a), so that the same layout gives the same bytes.
    private func serializationID() -> [UInt8] {
        var first: UInt64 = 0xCBF2_9CE4_8422_2325
        var second: UInt64 = 0x8422_2325_CBF2_9CE4
        for tensor in layout.tensors {
            for byte in Array("\(tensor.info.name)|\(tensor.info.shape)|\(tensor.info.dtype.rawValue);".utf8) {
                first = (first ^ UInt64(byte)) &* 0x100_0000_01B3
                second = (second ^ UInt64(byte)) &* 0x100_0000_01B3
            }
        }
        func digits(_ value: UInt64) -> String {
            let text = String(value)
            return String(repeating: "0", count: 20 - text.count) + text
        }
        return Array((digits(first) + digits(second)).utf8)
    }
}
