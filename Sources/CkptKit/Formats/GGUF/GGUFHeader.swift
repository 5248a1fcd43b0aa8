/// A GGUF file's header: everything before the tensor data (ggml's docs/gguf.md).
///
/// `GGUF`, u32 version, u64 tensor count, u64 metadata count, the metadata (key string, u32
/// value type, value), the tensor infos (name, u32 n_dims, u64 dims innermost first, u32 ggml
/// type, u64 offset from the data start), then padding to `general.alignment` (default 32).
/// Strings are a u64 byte count and UTF-8 bytes; everything is little-endian.
struct GGUFHeader: Sendable {
    /// `GGUF` (gguf-py `GGUF_MAGIC`).
    static let magic: [UInt8] = Array("GGUF".utf8)
    /// The version written (gguf-py `GGUF_VERSION`); 2 is read too (the same layout).
    static let version: UInt32 = 3
    /// `general.alignment` when a file has none (gguf-py `GGUF_DEFAULT_ALIGNMENT`).
    static let defaultAlignment = 32
    /// ggml's `GGML_MAX_DIMS`.
    static let maxDimensions = 4

    var version: UInt32 = GGUFHeader.version
    var metadata: [(key: String, value: GGUFValue)]
    var tensors: [GGUFTensorInfo]
    /// The data alignment (`general.alignment`).
    var alignment: Int
    /// Where the data starts: the header's end, padded to `alignment`.
    var dataStart: Int = 0

    /// The value of metadata `key`.
    func value(_ key: String) -> GGUFValue? { metadata.first { $0.key == key }?.value }

    /// The header's bytes, padded to the alignment (the data starts right after).
    func encoded() -> [UInt8] {
        var out = Self.magic
        GGUFBytes.append(version, to: &out)
        GGUFBytes.append(UInt64(tensors.count), to: &out)
        GGUFBytes.append(UInt64(metadata.count), to: &out)
        for (key, value) in metadata {
            GGUFBytes.append(string: key, to: &out)
            GGUFBytes.append(value.typeCode, to: &out)
            value.encode(into: &out)
        }
        for tensor in tensors {
            GGUFBytes.append(string: tensor.name, to: &out)
            GGUFBytes.append(UInt32(tensor.dims.count), to: &out)
            for dim in tensor.dims { GGUFBytes.append(UInt64(dim), to: &out) }
            GGUFBytes.append(tensor.type.rawValue, to: &out)
            GGUFBytes.append(UInt64(tensor.offset), to: &out)
        }
        out += [UInt8](repeating: 0, count: Self.padding(out.count, alignment))
        return out
    }

    /// Bytes of padding after `count` bytes to reach a multiple of `alignment`.
    static func padding(_ count: Int, _ alignment: Int) -> Int {
        (alignment - count % alignment) % alignment
    }
}

/// One tensor's entry in the header.
struct GGUFTensorInfo: Sendable, Equatable {
    var name: String
    /// ggml's `ne`: the dimensions innermost first (a PyTorch `[out, in]` weight is `[in, out]`).
    var dims: [Int]
    var type: GGMLType
    /// Offset of its data from the data start (a multiple of the alignment).
    var offset: Int

    /// Elements (the product of the dimensions; checked not to overflow when read).
    var elementCount: Int { dims.reduce(1, *) }
    /// Bytes of its data.
    var byteCount: Int { type.byteCount(elements: elementCount) ?? 0 }
}
