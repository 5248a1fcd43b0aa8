/// The random stream of one tensor: a function from a word index to a 32-bit word.
///
/// The key is the first 8 bytes of SHA-256(`"ckpt-v1\0" + decimal(seed) + "\0" + name`), read as
/// two little-endian `UInt32`s. Word `i` is word `i % 4` of the Philox4x32-10 block with counter
/// (`lo32(i / 4)`, `hi32(i / 4)`, `substream`, 0). Nothing depends on how a tensor is split
/// into pieces, so any thread can fill any range. `docs/random-streams.md` has the full
/// construction.
public struct TensorStream: Sendable, Hashable {
    /// The Philox key derived from the seed and the tensor name.
    public let key: SIMD2<UInt32>
    /// The substream id, Philox counter word `c2`: 0 for the tensor's values; other ids are
    /// reserved for auxiliary draws.
    public let substream: UInt32

    /// The stream of the tensor `name` (its canonical name) under `seed`.
    ///
    /// The name is hashed as its UTF-8 bytes exactly as given (no Unicode normalisation).
    public init(seed: UInt64, name: String, substream: UInt32 = 0) {
        self.init(key: TensorStream.key(seed: seed, name: name), substream: substream)
    }

    /// A stream with an explicit key.
    public init(key: SIMD2<UInt32>, substream: UInt32 = 0) {
        self.key = key
        self.substream = substream
    }

    /// The same key with another substream id.
    public func substream(_ id: UInt32) -> TensorStream {
        TensorStream(key: key, substream: id)
    }

    /// The key for a seed and a canonical tensor name.
    public static func key(seed: UInt64, name: String) -> SIMD2<UInt32> {
        var message = Array("ckpt-v1".utf8)
        message.append(0)
        message.append(contentsOf: String(seed).utf8)
        message.append(0)
        message.append(contentsOf: name.utf8)
        let digest = SHA256.hash(message)
        func word(_ at: Int) -> UInt32 {
            UInt32(digest[at]) | UInt32(digest[at + 1]) << 8 | UInt32(digest[at + 2]) << 16
                | UInt32(digest[at + 3]) << 24
        }
        return SIMD2(word(0), word(4))
    }

    /// The four words of block `index` (words `4·index ..< 4·index + 4`).
    public func block(_ index: UInt64) -> SIMD4<UInt32> {
        Philox4x32(key: key).block(
            SIMD4(UInt32(truncatingIfNeeded: index), UInt32(truncatingIfNeeded: index >> 32), substream, 0))
    }

    /// Word `index` of the stream.
    public func word(_ index: UInt64) -> UInt32 {
        block(index / 4)[Int(index % 4)]
    }

    /// Writes words `start ..< start + out.count` to `out`.
    public func fillWords(_ out: UnsafeMutableBufferPointer<UInt32>, startingAt start: UInt64) {
        guard let base = out.baseAddress, !out.isEmpty else { return }
        fillWords(base, count: out.count, startingAt: start)
    }

    /// Writes words `start ..< start + count` to `out`: unaligned head and tail word by word, whole
    /// blocks through the bulk kernel, split where the block index's low word wraps.
    func fillWords(
        _ out: UnsafeMutablePointer<UInt32>, count: Int, startingAt start: UInt64, level: KernelLevel = .detected
    ) {
        var written = 0
        var index = start
        // Head: up to the next block boundary.
        while written < count, index % 4 != 0 {
            out[written] = word(index)
            written += 1
            index += 1
        }
        // Whole blocks.
        while count - written >= 4 {
            let blockIndex = index / 4
            let lo = UInt32(truncatingIfNeeded: blockIndex)
            let untilWrap = UInt64(UInt32.max - lo) + 1
            let blocks = Int(min(UInt64((count - written) / 4), untilWrap))
            Philox4x32.fill(
                out + written, key: key, lo: lo, hi: UInt32(truncatingIfNeeded: blockIndex >> 32),
                c2: substream, count: blocks, level: level)
            written += 4 * blocks
            index += 4 * UInt64(blocks)
        }
        // Tail.
        while written < count {
            out[written] = word(index)
            written += 1
            index += 1
        }
    }
}
