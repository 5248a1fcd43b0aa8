import Foundation

/// Writes a Hugging Face model as a GGUF v3 file for llama.cpp, as `convert_hf_to_gguf.py`
/// would: llama.cpp's tensor names, Q and K permuted for Llama-style RoPE where the
/// architecture needs it (``GGUFArchitecture``), the hyperparameters as `{arch}.*` metadata
/// from the layout's `config.json`, norms and other 1-D tensors in F32, matrices in the
/// layout's dtype (F32, F16, BF16) or Q8_0 with `quantize`.
///
/// The header (metadata and every tensor's offset) is known from the layout, so it is written
/// first and the data follows in one pass at aligned offsets (an expert's matrix seeks to its
/// slice of the stacked tensor); memory is one head of rows for a permuted tensor and a bounded
/// chunk for conversion. The file is atomic (``AtomicOutput``).
final class GGUFWriter: CheckpointWriter {
    /// What the writer knows of one tensor.
    struct Entry: Sendable {
        var info: TensorInfo
        var gguf: GGUFTensorInfo
        /// The Q/K permutation, for a permuted tensor.
        var permutation: GGUFPermutation?
        /// Added to every value (Gemma's norms, ``GGUFArchitecture/normShift``).
        var shift: Float = 0
        /// Where its values go, from the data start: the tensor's offset, or an expert's slice
        /// of the stacked tensor.
        var dataOffset: Int = 0
    }

    /// The metadata key ckpt keeps its recipe in, and the config the file was made from.
    enum MetadataKey {
        static let recipe = "ckpt.recipe"
        static let hfConfig = "ckpt.hf_config"
    }

    /// Elements converted at a time.
    static let chunkElements = 1 << 18

    let path: String
    let header: GGUFHeader
    let entries: [Entry]
    private let output: AtomicOutput
    private let file: OutputFile
    private var index = 0
    private var open = false
    /// The file's size: the data start and every tensor padded to the alignment.
    private let fileSize: Int
    /// The write position, and the end of what was written.
    private var position = 0
    private var end = 0
    /// Rows of the current permuted tensor's head, gathered until the head is complete.
    private var headRows: [UInt8] = []
    private var floats: [Float] = []
    private var encoded: [UInt8] = []
    private var done = false

    init(path: String, layout: CheckpointLayout, options: WriterOptions) throws {
        self.path = path
        let (planned, entries) = try Self.plan(layout: layout, options: options, path: path)
        (header, self.entries) = (planned, entries)
        fileSize = planned.dataStart + (planned.tensors.map { $0.offset + $0.byteCount + GGUFHeader.padding($0.byteCount, planned.alignment) }.max() ?? 0)
        output = try AtomicOutput(path: path, overwrite: options.overwrite)
        do {
            file = try OutputFile(path: output.temporaryPath, mode: .exclusive, directIO: .never)
            let bytes = header.encoded()
            try file.write(bytes)
            (position, end) = (bytes.count, bytes.count)
        } catch {
            output.discard()
            throw GGUFError(error)
        }
    }

    deinit { abort() }

    /// The header and tensors of `layout`: the architecture from its `config.json`, every
    /// tensor's name, type and offset.
    static func plan(layout: CheckpointLayout, options: WriterOptions, path: String) throws -> (GGUFHeader, [Entry]) {
        guard let configFile = layout.folderFiles.first(where: { $0.name == "config.json" }) else {
            throw GGUFError(.usage, path: path, reason: "GGUF is written from a Hugging Face config.json (ckpt init config.json -o model.gguf, or ckpt convert from a model folder or with --spec config.json); this model has none")
        }
        let configName = "config.json"
        let config: HFConfig
        do {
            config = try HFConfig(json: try JSONParser.parse(configFile.bytes), file: configName)
        } catch let error as HFConfigError {
            throw error
        } catch {
            throw GGUFError(.usage, path: path, reason: "the model's config.json is not valid JSON (\(error))")
        }
        guard let arch = GGUFArchitecture.forModelType(config.modelType) else {
            throw GGUFError(.unsupported, path: path, reason: "model_type \"\(config.modelType)\" has no GGUF mapping in ckpt; GGUF is written for \(GGUFArchitecture.supportedTypes)")
        }
        let hyper = try GGUFHyperparameters(config, architecture: arch)
        var entries: [Entry] = []
        var tensors: [GGUFTensorInfo] = []
        var offset = 0
        var names: Set<String> = []
        // Stacked expert tensors: their index in `tensors`, and the experts seen.
        var stacked: [String: (index: Int, experts: Set<Int>)] = [:]
        for tensor in layout.tensors {
            let info = tensor.info
            let place = "tensor '\(info.name)'"
            if let slot = arch.expertSlot(info.name) {
                let type = try outputType(info, quantize: options.quantize, path: path)
                let dims = Array(info.shape.reversed()) + [hyper.experts]
                guard info.shape.count == 2, slot.expert < hyper.experts else {
                    throw GGUFError(.usage, path: path, place: place, reason: "is not one of the config's \(hyper.experts) experts' matrices")
                }
                if stacked[slot.name] == nil {
                    guard names.insert(slot.name).inserted else {
                        throw GGUFError(.usage, path: path, place: place, reason: "maps to \(slot.name) as another tensor does")
                    }
                    let gguf = GGUFTensorInfo(name: slot.name, dims: dims, type: type, offset: offset)
                    offset += gguf.byteCount + GGUFHeader.padding(gguf.byteCount, GGUFHeader.defaultAlignment)
                    stacked[slot.name] = (tensors.count, [])
                    tensors.append(gguf)
                }
                let index = stacked[slot.name]!.index
                let gguf = tensors[index]
                guard gguf.dims == dims, gguf.type == type else {
                    throw GGUFError(.usage, path: path, place: place, reason: "differs in shape or type from the other experts of \(slot.name)")
                }
                guard stacked[slot.name]!.experts.insert(slot.expert).inserted else {
                    throw GGUFError(.usage, path: path, place: place, reason: "is expert \(slot.expert) of \(slot.name) a second time")
                }
                entries.append(Entry(info: info, gguf: gguf, dataOffset: gguf.offset + slot.expert * (gguf.byteCount / hyper.experts)))
                continue
            }
            guard let name = arch.ggufName(info.name) else {
                let why = info.name == "lm_head.weight" && !arch.hasOutput
                    ? "llama.cpp's \(arch.name) has no output tensor (it reuses the embedding): write the model with tie_word_embeddings"
                    : "has no llama.cpp name for architecture \(arch.name)"
                throw GGUFError(.unsupported, path: path, place: place, reason: why)
            }
            guard names.insert(name).inserted else {
                throw GGUFError(.usage, path: path, place: place, reason: "maps to \(name) as another tensor does")
            }
            // The router stays F32 whatever the file type (the converter's FFN_GATE_INP rule).
            let type = name.contains(".ffn_gate_inp.") && info.dtype.isFloatingPoint ? .f32
                : try outputType(info, quantize: options.quantize, path: path)
            let dims = info.shape.isEmpty ? [1] : Array(info.shape.reversed())
            var permutation: GGUFPermutation?
            if let heads = arch.permutationHeads(ggufName: name, heads: hyper.heads, kvHeads: hyper.kvHeads), let rows = info.shape.first {
                permutation = GGUFPermutation.make(rows: rows, heads: heads)
                if permutation == nil {
                    throw GGUFError(.usage, path: path, place: place, reason: GGUFPermutation.problem(rows: rows, heads: heads))
                }
            }
            let gguf = GGUFTensorInfo(name: name, dims: dims, type: type, offset: offset)
            offset += gguf.byteCount + GGUFHeader.padding(gguf.byteCount, GGUFHeader.defaultAlignment)
            let shift = arch.shift(hfName: info.name)
            if shift != 0 && !info.dtype.isFloatingPoint {
                throw GGUFError(.unsupported, path: path, place: place, reason: "a \(arch.name) norm must be floating-point, not \(info.dtype.rawValue)")
            }
            entries.append(Entry(info: info, gguf: gguf, permutation: permutation, shift: shift, dataOffset: gguf.offset))
            tensors.append(gguf)
        }
        for (name, slots) in stacked where slots.experts.count != hyper.experts {
            throw GGUFError(.usage, path: path, place: "tensor '\(name)'", reason: "has \(slots.experts.count) of the config's \(hyper.experts) experts")
        }
        var metadata: [(key: String, value: GGUFValue)] = [
            ("general.architecture", .string(arch.name)),
            ("general.name", .string(Self.modelName(path: path))),
            ("general.alignment", .uint32(UInt32(GGUFHeader.defaultAlignment))),
        ]
        metadata += hyper.metadata(arch: arch.name)
        metadata.append(("general.file_type", .uint32(fileType(tensors))))
        metadata.append(("general.quantization_version", .uint32(2)))  // gguf-py GGML_QUANT_VERSION
        if let recipe = layout.recipe { metadata.append((MetadataKey.recipe, .string(recipe))) }
        metadata.append((MetadataKey.hfConfig, .string(String(decoding: configFile.bytes, as: UTF8.self))))
        var header = GGUFHeader(metadata: metadata, tensors: tensors, alignment: GGUFHeader.defaultAlignment)
        header.dataStart = header.encoded().count
        return (header, entries)
    }

    /// The type a tensor is stored in: 1-D tensors (norms, biases) F32 as llama.cpp keeps them;
    /// with Q8_0, matrices whose rows are whole blocks (others F16, as the converter falls back).
    static func outputType(_ info: TensorInfo, quantize: Quantization?, path: String) throws -> GGMLType {
        guard info.dtype.isFloatingPoint else {
            guard let type = GGMLType.plain(info.dtype) else {
                throw GGUFError(.unsupported, path: path, place: "tensor '\(info.name)'", reason: "GGUF has no \(info.dtype.rawValue) type")
            }
            return type
        }
        if info.shape.count <= 1 { return .f32 }
        if quantize == .q8_0 { return info.shape[info.shape.count - 1] % GGUFQ8_0.blockSize == 0 ? .q8_0 : .f16 }
        return GGMLType.plain(info.dtype) ?? .f32
    }

    /// `general.file_type`: by the matrices' type.
    static func fileType(_ tensors: [GGUFTensorInfo]) -> UInt32 {
        let matrices = tensors.filter { $0.dims.count >= 2 }.map(\.type)
        if matrices.contains(.q8_0) { return GGUFFileType.mostlyQ8_0 }
        if matrices.contains(.bf16) { return GGUFFileType.mostlyBF16 }
        if matrices.contains(.f16) { return GGUFFileType.mostlyF16 }
        return GGUFFileType.allF32
    }

    /// `general.name`: the file's name without `.gguf` (the converter uses the model folder's name).
    static func modelName(path: String) -> String {
        let name = (path as NSString).lastPathComponent
        return name.lowercased().hasSuffix(".gguf") ? String(name.dropLast(5)) : name
    }

    // MARK: CheckpointWriter (the contract is checked by CheckedWriter)

    func beginTensor(_ tensor: LayoutTensor) throws {
        guard !done, index < entries.count, !open else { throw GGUFError(.usage, path: path, reason: "beginTensor out of order") }
        open = true
        headRows.removeAll(keepingCapacity: true)
        let start = header.dataStart + entries[index].dataOffset
        if start != position {
            do { try file.seek(to: start) } catch { throw GGUFError(error) }
            position = start
        }
    }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        let entry = entries[index]
        guard let permutation = entry.permutation else {
            try encode(bytes, entry)
            return
        }
        // Gather a head's rows, then write them in llama.cpp's order.
        let rowBytes = TensorPieces.rowBytes(entry.info)
        let headBytes = permutation.headRows * rowBytes
        var offset = 0
        while offset < bytes.count {
            let take = min(bytes.count - offset, headBytes - headRows.count)
            headRows += UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + take])
            offset += take
            if headRows.count == headBytes {
                var permuted = [UInt8](repeating: 0, count: headBytes)
                for row in 0..<permutation.headRows {
                    let source = permutation.hfRow(forGGUFRow: row)
                    permuted[row * rowBytes..<(row + 1) * rowBytes] = headRows[source * rowBytes..<(source + 1) * rowBytes]
                }
                try permuted.withUnsafeBytes { try encode($0, entry) }
                headRows.removeAll(keepingCapacity: true)
            }
        }
    }

    func endTensor() throws {
        let entry = entries[index]
        guard headRows.isEmpty else {
            throw GGUFError(.usage, path: path, place: "tensor '\(entry.info.name)'", reason: "ended inside a head of rows")
        }
        index += 1
        open = false
    }

    func finish() throws {
        guard !done, index == entries.count else { throw GGUFError(.usage, path: path, reason: "finish before every tensor was written") }
        // The padding after the last tensor (between tensors, the unwritten padding reads as zeros).
        if end < fileSize {
            if position != end {
                do { try file.seek(to: end) } catch { throw GGUFError(error) }
                position = end
            }
            try write([UInt8](repeating: 0, count: fileSize - end))
        }
        do {
            try file.sync()
            try file.close()
        } catch {
            abort()
            throw GGUFError(error)
        }
        try output.commit()
        done = true
    }

    func abort() {
        guard !done else { return }
        done = true
        try? file.close()
        output.discard()
    }

    // MARK: Encoding

    /// Converts whole rows of the layout's dtype to the tensor's GGUF type and writes them.
    private func encode(_ bytes: UnsafeRawBufferPointer, _ entry: Entry) throws {
        let source = entry.info.dtype
        let type = entry.gguf.type
        if type != .q8_0 && type.dtype == source && entry.shift == 0 {
            try write(bytes)
            return
        }
        // Chunks of whole rows (Q8_0 rows are whole blocks).
        let rowElements = max(1, entry.info.shape.count <= 1 ? 1 : entry.info.shape.dropFirst().reduce(1, *))
        let rowsPerChunk = max(1, Self.chunkElements / rowElements)
        let elementBytes = source.byteSize
        let total = bytes.count / elementBytes
        var start = 0
        while start < total {
            let count = min(total - start, rowsPerChunk * rowElements)
            let piece = UnsafeRawBufferPointer(rebasing: bytes[start * elementBytes..<(start + count) * elementBytes])
            if entry.shift != 0 {
                // Through float32: w + shift, then the stored type.
                if floats.count < count { floats = [Float](repeating: 0, count: count) }
                floats.withUnsafeMutableBytes { ElementConversion.convert(piece, from: source, to: .float32, into: $0) }
                for i in 0..<count { floats[i] += entry.shift }
                let outBytes = count * type.dtype.byteSize
                if encoded.count < outBytes { encoded = [UInt8](repeating: 0, count: outBytes) }
                floats.withUnsafeBytes { values in
                    encoded.withUnsafeMutableBytes {
                        ElementConversion.convert(UnsafeRawBufferPointer(rebasing: values[0..<count * 4]), from: .float32, to: type.dtype, into: $0)
                    }
                }
                try encoded.withUnsafeBytes { try write(UnsafeRawBufferPointer(rebasing: $0[0..<outBytes])) }
            } else if type == .q8_0 {
                if floats.count < count { floats = [Float](repeating: 0, count: count) }
                let outBytes = count / GGUFQ8_0.blockSize * GGUFQ8_0.blockBytes
                if encoded.count < outBytes { encoded = [UInt8](repeating: 0, count: outBytes) }
                floats.withUnsafeMutableBytes { ElementConversion.convert(piece, from: source, to: .float32, into: $0) }
                let written: Void = floats.withUnsafeBufferPointer { values in
                    encoded.withUnsafeMutableBytes { out in
                        GGUFQ8_0.quantize(UnsafeBufferPointer(rebasing: values[0..<count]), into: UnsafeMutableRawBufferPointer(rebasing: out[0..<outBytes]))
                    }
                }
                _ = written
                try encoded.withUnsafeBytes { try write(UnsafeRawBufferPointer(rebasing: $0[0..<outBytes])) }
            } else {
                let outBytes = count * type.dtype.byteSize
                if encoded.count < outBytes { encoded = [UInt8](repeating: 0, count: outBytes) }
                encoded.withUnsafeMutableBytes { ElementConversion.convert(piece, from: source, to: type.dtype, into: $0) }
                try encoded.withUnsafeBytes { try write(UnsafeRawBufferPointer(rebasing: $0[0..<outBytes])) }
            }
            start += count
        }
    }

    private func write(_ bytes: UnsafeRawBufferPointer) throws {
        do { try file.write(bytes) } catch { throw GGUFError(error) }
        position += bytes.count
        end = max(end, position)
    }

    private func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }
}
