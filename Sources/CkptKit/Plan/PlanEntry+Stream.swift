extension PlanEntry {
    /// The random stream of this tensor's values when the checkpoint's seed is `seed`
    /// (docs/random-streams.md §1). An initializer with its own integer config seed gets the
    /// stream of that seed instead, independent of `seed` (§1.1).
    public func stream(seed: UInt64) -> TensorStream {
        if let configSeed = initializer.seed {
            return TensorStream(key: PlanEntry.configSeedKey(configSeed: configSeed, name: name))
        }
        return TensorStream(seed: seed, name: name)
    }

    /// The key of a tensor whose initializer has the config seed `configSeed`: the first 8 bytes
    /// of SHA-256("ckpt-v1\0config-seed:" + decimal(configSeed) + "\0" + name), little-endian.
    /// The name is part of the message, so two tensors with the same config seed get different
    /// values (Keras would give equal-shaped tensors identical values).
    public static func configSeedKey(configSeed: Int, name: String) -> SIMD2<UInt32> {
        var message = Array("ckpt-v1".utf8)
        message.append(0)
        message.append(contentsOf: "config-seed:\(configSeed)".utf8)
        message.append(0)
        message.append(contentsOf: name.utf8)
        let digest = SHA256.hash(message)
        func word(_ at: Int) -> UInt32 {
            UInt32(digest[at]) | UInt32(digest[at + 1]) << 8 | UInt32(digest[at + 2]) << 16 | UInt32(digest[at + 3]) << 24
        }
        return SIMD2(word(0), word(4))
    }
}
