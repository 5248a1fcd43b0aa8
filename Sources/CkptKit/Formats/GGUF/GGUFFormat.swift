// The registry entry of GGUF (``FormatRegistry``).

extension GGUFWriter {
    static let descriptor = FormatDescriptor(
        format: .gguf,
        summary: "GGUF v3 for llama.cpp (F32, F16, BF16, Q8_0), from a Hugging Face config.json (llama, mistral, mixtral, qwen2, qwen3, qwen3_moe, gemma, gemma2, phi3)",
        extensions: [".gguf"], keying: .name, shards: false,
        writer: { request in try GGUFWriter(path: request.path, layout: request.layout, options: request.options) },
        plannedFiles: nil)
}

extension GGUFReader {
    /// A GGUF file: it starts with `GGUF`.
    static let family = ReaderFamily(
        name: "GGUF",
        recognizes: { head, _, _ in head.starts(with: GGUFHeader.magic) },
        open: { path, _ in try GGUFReader(path: path) })
}
