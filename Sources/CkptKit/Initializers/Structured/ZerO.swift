/// ZerO initialization (Zhao, Chen, Wang, Yin 2021, arXiv 2110.12661, Algorithm 1) of an
/// (in, out) matrix in Keras layout, the transpose of the paper's (out, in) weight.
///
/// - out ≤ in: the partial identity, W[i, i] = 1 for i < out (the identity when out = in).
/// - out > in: with m = ⌈log₂ out⌉ and the Sylvester–Hadamard matrix H_m (H[i, j] =
///   (−1)^popcount(i AND j), symmetric), W = c·H_m[:in, :out] with c = 2^(−m/2).
///
/// The scale follows the authors' reference code (`hadamard(p) / 2**(clog_m/2)` in
/// github.com/jiaweizzhao/ZerO-initialization, example_mnist.ipynb), which makes c·H_m
/// orthogonal; the paper's text writes c = 2^(−(m−1)/2), √2 larger.
enum ZerO {
    /// The scale c = 2^(−m/2), m = ⌈log₂ out⌉, of an expanding (out > in) layer.
    static func hadamardScale(cols: Int) -> Double {
        let m = cols <= 1 ? 0 : Int.bitWidth - (cols - 1).leadingZeroBitCount
        return 1 / Double(sign: .plus, exponent: m, significand: 1).squareRoot()
    }

    /// Writes the matrix to the (zeroed) row-major `rows`×`cols` block at `base`.
    static func write<T: BinaryFloatingPoint>(rows: Int, cols: Int, into base: UnsafeMutablePointer<T>) {
        if cols <= rows {
            for i in 0..<cols { base[i * cols + i] = 1 }
            return
        }
        let c = T(hadamardScale(cols: cols))
        for i in 0..<rows {
            for j in 0..<cols { base[i * cols + j] = (i & j).nonzeroBitCount & 1 == 0 ? c : -c }
        }
    }
}
