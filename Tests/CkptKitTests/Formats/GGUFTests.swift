import Foundation
import Testing
import CkptTestSupport
@testable import CkptKit

/// GGUF's pieces: the header written and read back, Q8_0 within its bound, the Q/K permutation
/// and its inverse, the name mapping, and malformed files (truncated, wrong magic, hostile
/// counts and sizes), each a ``GGUFError`` and never a trap.
@Suite("GGUF header, Q8_0, permutation and malformed files")
struct GGUFTests {
    static func write(_ bytes: [UInt8], in dir: TemporaryDirectory, _ name: String = "m.gguf") throws -> String {
        let path = dir.path(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func readHeader(_ path: String) throws -> GGUFHeader {
        let file = try InputFile(path: path)
        defer { file.close() }
        return try GGUFHeader.read(file)
    }

    /// A small valid file: every metadata type, two tensors with their data.
    static func sampleHeader() -> GGUFHeader {
        let metadata: [(key: String, value: GGUFValue)] = [
            ("general.architecture", .string("llama")), ("general.alignment", .uint32(32)),
            ("u8", .uint8(200)), ("i8", .int8(-3)), ("u16", .uint16(65000)), ("i16", .int16(-300)),
            ("i32", .int32(-70000)), ("f32", .float32(1.5)), ("b", .bool(true)), ("u64", .uint64(1 << 40)),
            ("i64", .int64(-(1 << 40))), ("f64", .float64(0.1)), ("s", .string("héllo")),
            ("a", .array(elementType: 8, [.string("x"), .string("yz")])), ("ai", .array(elementType: 5, [.int32(1), .int32(-2)])),
        ]
        let tensors = [
            GGUFTensorInfo(name: "token_embd.weight", dims: [4, 3], type: .f32, offset: 0),
            GGUFTensorInfo(name: "output_norm.weight", dims: [4], type: .f16, offset: 64),
        ]
        var header = GGUFHeader(metadata: metadata, tensors: tensors, alignment: 32)
        header.dataStart = header.encoded().count
        return header
    }

    static func sampleFile() -> [UInt8] {
        let header = sampleHeader()
        return header.encoded() + [UInt8](repeating: 7, count: 48) + [UInt8](repeating: 0, count: 16) + [UInt8](repeating: 1, count: 8)
    }

    @Test func headerRoundTrips() throws {
        let dir = try TemporaryDirectory()
        let header = Self.sampleHeader()
        let read = try Self.readHeader(try Self.write(Self.sampleFile(), in: dir))
        #expect(read.version == 3)
        #expect(read.alignment == 32)
        #expect(read.dataStart == header.dataStart)
        #expect(read.dataStart % 32 == 0)
        #expect(read.tensors == header.tensors)
        #expect(read.metadata.map(\.key) == header.metadata.map(\.key))
        for (a, b) in zip(read.metadata, header.metadata) { #expect(a.value == b.value, "\(a.key)") }
        #expect(read.encoded() == header.encoded())
    }

    /// |x − x̂| ≤ d/2 per block, d = max|x|/127, plus what rounding d to float16 costs
    /// (|q| ≤ 127 times |d − d₁₆|); an all-zero block is exact.
    @Test(arguments: [1, 4, 33])
    func q8_0IsWithinItsBound(blocks: Int) throws {
        var generator = SplitMix(UInt64(blocks))
        var values = (0..<blocks * 32).map { _ in Float(Double(generator.next() >> 11) / Double(1 << 53) * 2 - 1) * (blocks == 4 ? 1e-3 : 3) }
        if blocks == 4 { for i in 32..<64 { values[i] = 0 } }
        var bytes = [UInt8](repeating: 0, count: blocks * GGUFQ8_0.blockBytes)
        values.withUnsafeBufferPointer { v in bytes.withUnsafeMutableBytes { GGUFQ8_0.quantize(v, into: $0) } }
        var back = [Float](repeating: .nan, count: values.count)
        bytes.withUnsafeBytes { b in back.withUnsafeMutableBufferPointer { GGUFQ8_0.dequantize(b, into: $0) } }
        for b in 0..<blocks {
            let block = values[b * 32..<(b + 1) * 32]
            let d = block.map(abs).max()! / 127
            let d16 = Float(Float16(d))
            let bound = d / 2 + 127 * abs(d - d16) + d * 1e-6
            for i in b * 32..<(b + 1) * 32 {
                #expect(abs(values[i] - back[i]) <= bound, "block \(b) value \(i): \(values[i]) → \(back[i]), bound \(bound)")
            }
            let stored = UInt16(bytes[b * 34]) | UInt16(bytes[b * 34 + 1]) << 8
            #expect(stored == Float16(d).bitPattern, "the scale is max|x|/127 as float16")
        }
        if blocks == 4 { #expect(back[32..<64].allSatisfy { $0 == 0 }) }
    }

    /// The permutation is `reshape(n_head, 2, hd/2, …).swapaxes(1, 2)` and its inverse undoes it.
    @Test(arguments: [(8, 1), (16, 4), (12, 3), (64, 2)])
    func permutationMatchesReshapeSwapaxesAndInverts(rows: Int, heads: Int) throws {
        let p = try #require(GGUFPermutation.make(rows: rows, heads: heads))
        let half = rows / heads / 2
        for h in 0..<heads {
            for i in 0..<half {
                for j in 0..<2 {
                    // out[h, i, j] = in[h, j, i]
                    #expect(p.hfRow(forGGUFRow: h * 2 * half + i * 2 + j) == h * 2 * half + j * half + i)
                }
            }
        }
        for row in 0..<rows {
            #expect(p.hfRow(forGGUFRow: p.ggufRow(forHFRow: row)) == row)
            #expect(p.ggufRow(forHFRow: p.hfRow(forGGUFRow: row)) == row)
        }
        #expect(GGUFPermutation.make(rows: 6, heads: 2) == nil, "odd head size")
        #expect(GGUFPermutation.make(rows: 7, heads: 2) == nil, "rows not split")
    }

    @Test func namesMapBothWays() {
        let pairs = [
            ("model.embed_tokens.weight", "token_embd.weight"), ("model.norm.weight", "output_norm.weight"), ("lm_head.weight", "output.weight"),
            ("model.layers.0.input_layernorm.weight", "blk.0.attn_norm.weight"), ("model.layers.11.self_attn.q_proj.bias", "blk.11.attn_q.bias"),
            ("model.layers.3.self_attn.k_norm.weight", "blk.3.attn_k_norm.weight"), ("model.layers.2.mlp.down_proj.weight", "blk.2.ffn_down.weight"),
            ("model.layers.2.post_attention_layernorm.weight", "blk.2.ffn_norm.weight"), ("model.layers.2.self_attn.o_proj.weight", "blk.2.attn_output.weight"),
        ]
        for (hf, gguf) in pairs {
            #expect(GGUFArchitecture.llama.ggufName(hf) == gguf)
            #expect(GGUFArchitecture.llama.hfName(gguf) == hf)
        }
        #expect(GGUFArchitecture.llama.ggufName("layers.1.mlp.up_proj.weight") == "blk.1.ffn_up.weight", "a bare LlamaModel's names")
        #expect(GGUFArchitecture.llama.ggufName("model.layers.01.mlp.up_proj.weight") == nil)
        #expect(GGUFArchitecture.llama.ggufName("model.layers.0.mlp.experts.0.up_proj.weight") == nil)
        #expect(GGUFArchitecture.llama.hfName("blk.x.attn_q.weight") == nil)
        // Gemma 2's norms, and no output tensor for Gemma.
        for (hf, gguf) in [("model.layers.1.post_attention_layernorm.weight", "blk.1.post_attention_norm.weight"),
                           ("model.layers.1.pre_feedforward_layernorm.weight", "blk.1.ffn_norm.weight"),
                           ("model.layers.1.post_feedforward_layernorm.weight", "blk.1.post_ffw_norm.weight")] {
            #expect(GGUFArchitecture.gemma2.ggufName(hf) == gguf)
            #expect(GGUFArchitecture.gemma2.hfName(gguf) == hf)
        }
        #expect(GGUFArchitecture.gemma.ggufName("lm_head.weight") == nil)
        // Experts: one slot of a stacked tensor each, and back.
        let qwen = GGUFArchitecture.qwen3MoE
        #expect(qwen.expertSlot("model.layers.3.mlp.experts.5.up_proj.weight")! == ("blk.3.ffn_up_exps.weight", 5))
        #expect(qwen.hfExpertName("blk.3.ffn_up_exps.weight", expert: 5) == "model.layers.3.mlp.experts.5.up_proj.weight")
        #expect(qwen.ggufName("model.layers.3.mlp.gate.weight") == "blk.3.ffn_gate_inp.weight")
        let mixtral = GGUFArchitecture.llama
        #expect(mixtral.expertSlot("model.layers.0.block_sparse_moe.experts.2.w2.weight")! == ("blk.0.ffn_down_exps.weight", 2))
        #expect(mixtral.hfExpertName("blk.0.ffn_up_exps.weight", expert: 1) == "model.layers.0.block_sparse_moe.experts.1.w3.weight")
        #expect(mixtral.expertSlot("model.layers.0.block_sparse_moe.experts.x.w2.weight") == nil)
        #expect(qwen.expertSlot("model.layers.0.mlp.up_proj.weight") == nil)
        #expect(GGUFArchitecture.gemma.shift(hfName: "model.norm.weight") == 1)
        #expect(GGUFArchitecture.gemma.shift(hfName: "model.layers.0.mlp.up_proj.weight") == 0)
    }

    /// A file gguf-py's GGUFWriter wrote (Fixtures/formats/gguf/make_gguf_fixtures.py): Hugging
    /// Face names and shapes back, Q and K un-permuted (the bias too), F16 and BF16 exact, Q8_0
    /// within its bound, and the metadata arrays shown.
    @Test func readsAFileGGUFPyWrote() throws {
        let reader = try CheckpointReaders.open(path: TestPaths.fixture("formats/gguf/gguf_py_llama.gguf"))
        #expect(reader.format == .gguf)
        let expected: [(String, [Int], DType)] = [
            ("model.embed_tokens.weight", [4, 32], .float32), ("model.layers.0.input_layernorm.weight", [32], .float32),
            ("model.layers.0.self_attn.q_proj.weight", [32, 32], .float16), ("model.layers.0.self_attn.k_proj.weight", [16, 32], .bfloat16),
            ("model.layers.0.self_attn.q_proj.bias", [32], .float32), ("model.layers.0.mlp.up_proj.weight", [8, 32], .float32),
            ("model.norm.weight", [32], .float32),
        ]
        #expect(reader.tensors.map(\.info) == expected.map { TensorInfo(name: $0.0, shape: $0.1, dtype: $0.2) })
        for tensor in reader.tensors {
            var bytes: [UInt8] = []
            try reader.read(tensor, maximumPieceBytes: 100) { bytes += $0 }
            let values: [Float] = bytes.withUnsafeBytes { raw in
                switch tensor.info.dtype {
                case .float16: return raw.bindMemory(to: Float16.self).map(Float.init)
                case .bfloat16: return raw.bindMemory(to: UInt16.self).map { Float(bitPattern: UInt32($0) << 16) }
                default: return Array(raw.bindMemory(to: Float.self))
                }
            }
            let want = (0..<tensor.info.elementCount).map { Float($0 % 61) * 0.5 - 15 }
            if tensor.name.contains("up_proj") {
                for b in stride(from: 0, to: want.count, by: 32) {
                    let d = want[b..<b + 32].map(abs).max()! / 127
                    let bound = d / 2 + 127 * abs(d - Float(Float16(d))) + d * 1e-6
                    #expect((b..<b + 32).allSatisfy { abs(values[$0] - want[$0]) <= bound }, "\(tensor.name) block \(b / 32)")
                }
            } else {
                #expect(values == want, "\(tensor.name)")
            }
        }
        let metadata = Dictionary(reader.metadata.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        #expect(metadata["tokenizer.ggml.tokens"] == "[string × 4] [<s>, </s>, a, b]")
        #expect(metadata["ckpt.fixture.ints"] == "[int32 × 3] [1, -2, 3]")
        #expect(metadata["general.architecture"] == "llama")
    }

    // MARK: Malformed files

    static func expectGGUFError(_ bytes: [UInt8], _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let dir = try TemporaryDirectory()
        let path = try write(bytes, in: dir)
        do {
            _ = try GGUFReader(path: path)
            Issue.record("no error for a file that should have \(fragment)", sourceLocation: sourceLocation)
        } catch let error as GGUFError {
            #expect("\(error)".contains(fragment), "\(error)", sourceLocation: sourceLocation)
            #expect("\(error)".contains(path), sourceLocation: sourceLocation)
        }
    }

    @Test func everyTruncationIsAnError() throws {
        let file = Self.sampleFile()
        let dir = try TemporaryDirectory()
        for length in 0..<file.count - 1 {
            let path = try Self.write(Array(file.prefix(length)), in: dir, "t\(length).gguf")
            #expect(throws: GGUFError.self, "\(length) bytes") { _ = try GGUFReader(path: path) }
        }
        _ = try GGUFReader(path: try Self.write(file, in: dir, "whole.gguf"))
    }

    @Test func wrongMagicAndVersion() throws {
        var file = Self.sampleFile()
        file[0] = UInt8(ascii: "X")
        try Self.expectGGUFError(file, "not a GGUF file")
        file = Self.sampleFile()
        file[4] = 1
        try Self.expectGGUFError(file, "GGUF version 1")
    }

    /// The prefix up to the counts, then a count or length far past the file.
    static func prefix(tensors: UInt64, metadata: UInt64) -> [UInt8] {
        var out = GGUFHeader.magic
        GGUFBytes.append(UInt32(3), to: &out)
        GGUFBytes.append(tensors, to: &out)
        GGUFBytes.append(metadata, to: &out)
        return out
    }

    @Test func hostileCountsAndSizes() throws {
        try Self.expectGGUFError(Self.prefix(tensors: 1 << 62, metadata: 0), "the tensor count is")
        try Self.expectGGUFError(Self.prefix(tensors: 0, metadata: UInt64.max), "the metadata count is")
        var huge = Self.prefix(tensors: 0, metadata: 1)
        GGUFBytes.append(UInt64.max, to: &huge)  // the key's length
        huge += [UInt8](repeating: 0, count: 64)
        try Self.expectGGUFError(huge, "past the end of the file")
        var array = Self.prefix(tensors: 0, metadata: 1)
        GGUFBytes.append(string: "a", to: &array)
        GGUFBytes.append(UInt32(9), to: &array)
        GGUFBytes.append(UInt32(8), to: &array)
        GGUFBytes.append(UInt64(1) << 60, to: &array)
        try Self.expectGGUFError(array, "the length of the array 'a'")
        var nested = Self.prefix(tensors: 0, metadata: 1)
        GGUFBytes.append(string: "n", to: &nested)
        GGUFBytes.append(UInt32(9), to: &nested)
        for _ in 0..<5 {
            GGUFBytes.append(UInt32(9), to: &nested)
            GGUFBytes.append(UInt64(1), to: &nested)
        }
        nested += [UInt8](repeating: 0, count: 64)
        try Self.expectGGUFError(nested, "nested deeper")

        func tensorFile(dims: [UInt64], type: UInt32 = 0, offset: UInt64 = 0, extra: Int = 64) -> [UInt8] {
            var out = Self.prefix(tensors: 1, metadata: 0)
            GGUFBytes.append(string: "t.weight", to: &out)
            GGUFBytes.append(UInt32(dims.count), to: &out)
            for d in dims { GGUFBytes.append(d, to: &out) }
            GGUFBytes.append(type, to: &out)
            GGUFBytes.append(offset, to: &out)
            return out + [UInt8](repeating: 0, count: extra)
        }
        try Self.expectGGUFError(tensorFile(dims: [1 << 40, 1 << 40]), "more elements than a file can hold")
        try Self.expectGGUFError(tensorFile(dims: [0, 1 << 62, 1 << 62]), "more elements than a file can hold")
        try Self.expectGGUFError(tensorFile(dims: [2, 2, 2, 2, 2]), "has 5 dimensions")
        try Self.expectGGUFError(tensorFile(dims: [1 << 20]), "run past the end of the file")
        try Self.expectGGUFError(tensorFile(dims: [4], offset: 3), "not a multiple of the alignment")
        try Self.expectGGUFError(tensorFile(dims: [4], offset: UInt64.max - 31), "not a multiple of the alignment")
        try Self.expectGGUFError(tensorFile(dims: [4], offset: 1 << 62), "run past the end of the file")
        try Self.expectGGUFError(tensorFile(dims: [4], type: 12), "ggml type Q4_K")
        try Self.expectGGUFError(tensorFile(dims: [33], type: 8), "not a multiple of the Q8_0 block size")
        let dir = try TemporaryDirectory()
        _ = try GGUFReader(path: try Self.write(tensorFile(dims: [4]), in: dir))
    }

    // MARK: Writing

    /// A layout without a config, and a family without a mapping, are clear errors.
    @Test func writerRefusesWhatItCannotMap() throws {
        let dir = try TemporaryDirectory()
        let layout = CheckpointLayout(tensors: [LayoutTensor(info: TensorInfo(name: "w", shape: [2], dtype: .float32))])
        #expect(throws: GGUFError.self) { _ = try GGUFWriter(path: dir.path("a.gguf"), layout: layout, options: WriterOptions()) }
        var bert = layout
        bert.folderFiles = [FolderFile(name: "config.json", bytes: Array(#"{"model_type": "bert"}"#.utf8))]
        do {
            _ = try GGUFWriter(path: dir.path("b.gguf"), layout: bert, options: WriterOptions())
            Issue.record("bert has no mapping")
        } catch let error as GGUFError {
            #expect("\(error)".contains("model_type \"bert\" has no GGUF mapping"))
            #expect("\(error)".contains("llama, mistral, mixtral, qwen2, qwen3, qwen3_moe, gemma, gemma2, phi3"))
        }
        #expect(dir.contents().isEmpty)
    }
}
