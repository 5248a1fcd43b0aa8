/// The zero pattern of a `sparse` fill: in every row of an (in, out) kernel, z = ⌈sparsity·out⌉
/// distinct entries chosen uniformly at random by a partial Fisher–Yates shuffle.
enum SparseSelection {
    /// The number of zeros per row, ⌈sparsity·cols⌉ in float64 (as PyTorch's `math.ceil`), at most `cols`.
    static func zerosPerRow(cols: Int, sparsity: Double) -> Int {
        min(cols, Int((sparsity * Double(cols)).rounded(.up)))
    }

    /// Sets the chosen entries of the row-major `rows`×`cols` matrix at `base` to zero.
    ///
    /// Row i starts from the identity permutation p of 0 ..< cols. Step t (0 ≤ t < z) reads the
    /// 64-bit v = word(2q) + 2³²·word(2q + 1) of `stream`, q = i·z + t, picks
    /// j = t + ⌊v·(cols − t)/2⁶⁴⌋ (multiply-high: each j has probability within 2⁻³² relative
    /// of 1/(cols − t)), swaps p[t] and p[j], and zeroes column p[t].
    static func zero<T: BinaryFloatingPoint>(rows: Int, cols: Int, sparsity: Double, stream: TensorStream, in base: UnsafeMutablePointer<T>) {
        let z = zerosPerRow(cols: cols, sparsity: sparsity)
        guard z > 0, rows > 0 else { return }
        let permutation = UnsafeMutableBufferPointer<Int>.allocate(capacity: cols)
        let words = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: 2 * z)
        defer { permutation.deallocate(); words.deallocate() }
        for i in 0..<rows {
            for c in 0..<cols { permutation[c] = c }
            stream.fillWords(words, startingAt: 2 * UInt64(i) * UInt64(z))
            let row = base + i * cols
            for t in 0..<z {
                let v = UInt64(words[2 * t]) | UInt64(words[2 * t + 1]) << 32
                let j = t + Int(v.multipliedFullWidth(by: UInt64(cols - t)).high)
                permutation.swapAt(t, j)
                row[permutation[t]] = 0
            }
        }
    }
}
