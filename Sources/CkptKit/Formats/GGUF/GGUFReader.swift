/// Reads a GGUF file (v2 or v3): the tensors of F32, F16, BF16, F64, integer and Q8_0 types.
///
/// For the architectures ckpt writes (``GGUFArchitecture``: `llama`, `qwen2`, `qwen3`, `qwen3moe`, `gemma`, `gemma2`, `phi3`), the
/// tensors get their Hugging Face names and PyTorch shapes back and Q/K rows are un-permuted, so
/// converting to safetensors gives what `from_pretrained` loads; Q8_0 is dequantized to
/// float32. Other architectures keep llama.cpp's names (shapes still outermost first).
final class GGUFReader: CheckpointReader {
    let path: String
    var format: CheckpointFormat { .gguf }
    let tensors: [StoredTensor]
    var modelConfig: String? { nil }
    let recipe: String?
    let metadata: [(key: String, value: String)]
    /// The `config.json` the file was made from (ckpt's `ckpt.hf_config`), so a converted
    /// folder gets it back.
    let folderFiles: [FolderFile]
    let header: GGUFHeader

    private let file: InputFile
    /// Where a stored tensor's values are, and how they are read.
    private struct Place {
        var info: GGUFTensorInfo
        var permutation: GGUFPermutation?
        var shift: Float = 0
        /// From the tensor's data: 0, or an expert's slice of a stacked tensor.
        var byteOffset = 0
        var elements: Int
        /// Elements of one HF row (first-axis slice).
        var rowElements: Int
    }

    /// Experts ckpt splits a stacked tensor into, at most (llama.cpp's LLAMA_MAX_EXPERTS is 512).
    static let maxExperts = 4096

    /// Stored tensor name → where it is.
    private let places: [String: Place]

    init(path: String) throws {
        self.path = path
        do {
            file = try InputFile(path: path)
        } catch {
            throw GGUFError(error)
        }
        header = try GGUFHeader.read(file)
        let arch = header.value("general.architecture")?.string.flatMap(GGUFArchitecture.named)
        var heads = 0
        var kvHeads = 0
        if let arch, arch.permutesQK {
            heads = header.value("\(arch.name).attention.head_count")?.integer ?? 0
            kvHeads = header.value("\(arch.name).attention.head_count_kv")?.integer ?? heads
        }
        var tensors: [StoredTensor] = []
        var places: [String: Place] = [:]
        for info in header.tensors {
            // A stacked expert tensor (`blk.N.ffn_up_exps.weight`, ne [in, out, experts]): one HF
            // tensor per expert, each a slice of whole rows.
            if let arch, info.dims.count == 3, arch.hfExpertName(info.name, expert: 0) != nil {
                let experts = info.dims[2]
                guard experts <= Self.maxExperts else {
                    throw GGUFError(.unsupported, path: path, place: "tensor '\(info.name)'", reason: "has \(experts) experts; ckpt splits at most \(Self.maxExperts)")
                }
                let elements = info.dims[0] * info.dims[1]
                for expert in 0..<experts {
                    let name = arch.hfExpertName(info.name, expert: expert)!
                    guard places[name] == nil else {
                        throw GGUFError(.corrupt, path: path, place: "tensor '\(info.name)'", reason: "maps to \(name) as another tensor does")
                    }
                    tensors.append(StoredTensor(info: TensorInfo(name: name, shape: [info.dims[1], info.dims[0]], dtype: info.type.dtype),
                                                location: "\(info.name)[\(expert)]"))
                    places[name] = Place(info: info, byteOffset: expert * (info.byteCount / max(1, experts)), elements: elements,
                                         rowElements: info.dims[0])
                }
                continue
            }
            var name = info.name
            var permutation: GGUFPermutation?
            var shift: Float = 0
            if let arch, let hf = arch.hfName(info.name) {
                name = hf
                // Gemma's stored w + 1 (only F32 is shifted back: the converter keeps 1-D tensors F32).
                if info.type == .f32 { shift = -arch.shift(hfName: hf) }
                if let groups = arch.permutationHeads(ggufName: info.name, heads: heads, kvHeads: kvHeads) {
                    let rows = info.dims[info.dims.count - 1]
                    permutation = GGUFPermutation.make(rows: rows, heads: groups)
                    if permutation == nil {
                        throw GGUFError(.corrupt, path: path, place: "tensor '\(info.name)'",
                                        reason: GGUFPermutation.problem(rows: rows, heads: groups) + " (from \(arch.name).attention.head_count and head_count_kv)")
                    }
                }
            }
            guard places[name] == nil else {
                throw GGUFError(.corrupt, path: path, place: "tensor '\(info.name)'", reason: "maps to \(name) as another tensor does")
            }
            let shape = Array(info.dims.reversed())
            tensors.append(StoredTensor(info: TensorInfo(name: name, shape: shape, dtype: info.type.dtype), location: info.name))
            places[name] = Place(info: info, permutation: permutation, shift: shift, elements: info.elementCount,
                                 rowElements: info.dims.dropLast().reduce(1, *))
        }
        self.tensors = tensors
        self.places = places
        recipe = header.value(GGUFWriter.MetadataKey.recipe)?.string
        metadata = header.metadata.filter { $0.key != GGUFWriter.MetadataKey.recipe && $0.key != GGUFWriter.MetadataKey.hfConfig }
            .map { ($0.key, $0.value.text) }
        folderFiles = header.value(GGUFWriter.MetadataKey.hfConfig)?.string.map { [FolderFile(name: "config.json", bytes: Array($0.utf8))] } ?? []
    }

    func open(_ tensor: StoredTensor) throws -> TensorByteReader {
        guard let place = places[tensor.name] else {
            throw GGUFError(.usage, path: path, place: "tensor '\(tensor.name)'", reason: "no such tensor in this file")
        }
        return TensorBytes(file: file, start: header.dataStart + place.info.offset + place.byteOffset, info: place.info,
                           elements: place.elements, rowElements: place.rowElements,
                           permutation: place.permutation, shift: place.shift, name: tensor.name)
    }

    /// One tensor's values, front to back in HF order, decoded to its dtype.
    private final class TensorBytes: TensorByteReader {
        let file: InputFile
        let start: Int
        let info: GGUFTensorInfo
        let permutation: GGUFPermutation?
        let shift: Float
        let name: String
        /// Elements of one row (the outermost dimension's slice), and of the whole tensor (or slice).
        let rowElements: Int
        let elements: Int
        let elementBytes: Int
        var position = 0  // elements delivered

        init(file: InputFile, start: Int, info: GGUFTensorInfo, elements: Int, rowElements: Int, permutation: GGUFPermutation?,
             shift: Float, name: String) {
            (self.file, self.start, self.info, self.permutation, self.shift, self.name) = (file, start, info, permutation, shift, name)
            (self.elements, self.rowElements) = (elements, rowElements)
            elementBytes = info.type.dtype.byteSize
        }

        func read(into buffer: UnsafeMutableRawBufferPointer) throws {
            let count = buffer.count / elementBytes
            guard buffer.count % elementBytes == 0, count <= elements - position else {
                throw GGUFError(.usage, path: file.path, place: "tensor '\(name)'",
                                reason: "asked for \(buffer.count) bytes at element \(position) of the tensor's \(elements)")
            }
            if let permutation, rowElements > 0 {
                // Row by row: HF row r is GGUF row ggufRow(r).
                var done = 0
                while done < count {
                    let element = position + done
                    let (row, within) = element.quotientAndRemainder(dividingBy: rowElements)
                    let take = min(count - done, rowElements - within)
                    let source = permutation.ggufRow(forHFRow: row) * rowElements + within
                    try elements(source, take, into: UnsafeMutableRawBufferPointer(rebasing: buffer[done * elementBytes..<(done + take) * elementBytes]))
                    done += take
                }
            } else {
                try elements(position, count, into: buffer)
            }
            if shift != 0 {
                for i in 0..<count {
                    let value = buffer.loadUnaligned(fromByteOffset: i * 4, as: Float.self) + shift
                    buffer.storeBytes(of: value, toByteOffset: i * 4, as: Float.self)
                }
            }
            position += count
        }

        /// Elements `first ..< first + count` of the stored order, decoded.
        private func elements(_ first: Int, _ count: Int, into out: UnsafeMutableRawBufferPointer) throws {
            guard count > 0 else { return }
            do {
                if info.type != .q8_0 {
                    try file.read(into: out, at: start + first * elementBytes)
                    return
                }
                let block = GGUFQ8_0.blockSize
                let firstBlock = first / block
                let blocks = (first + count + block - 1) / block - firstBlock
                let raw = try file.read(count: blocks * GGUFQ8_0.blockBytes, at: start + firstBlock * GGUFQ8_0.blockBytes)
                var values = [Float](repeating: 0, count: blocks * block)
                raw.withUnsafeBytes { bytes in values.withUnsafeMutableBufferPointer { GGUFQ8_0.dequantize(bytes, into: $0) } }
                let skip = first - firstBlock * block
                values.withUnsafeBytes { out.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[skip * 4..<(skip + count) * 4])) }
            } catch {
                throw GGUFError(error, place: "tensor '\(name)'")
            }
        }

        func finish() throws {}
    }
}
