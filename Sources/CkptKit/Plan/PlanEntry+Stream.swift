extension PlanEntry {
    /// The random stream of this tensor's values when the checkpoint's seed is `seed`
    /// (docs/random-streams.md §1).
    public func stream(seed: UInt64) -> TensorStream {
        TensorStream(seed: seed, name: name)
    }
}
