/// llama.cpp's Q/K row permutation for Llama-style RoPE (`LlamaModel.permute` in
/// `convert_hf_to_gguf.py`: `w.reshape(n_head, 2, rows // n_head // 2, …).swapaxes(1, 2)`).
///
/// Within each head of `headRows` rows, HF keeps the two rotated halves apart (rotate-half);
/// llama.cpp interleaves them: GGUF row `2i + j` of a head is HF row `j · headRows/2 + i`.
struct GGUFPermutation: Sendable, Equatable {
    /// Rows per head (`rows / n_head`), even.
    let headRows: Int

    /// The HF row that GGUF row `row` holds.
    func hfRow(forGGUFRow row: Int) -> Int {
        let (head, r) = row.quotientAndRemainder(dividingBy: headRows)
        return head * headRows + (r % 2) * (headRows / 2) + r / 2
    }

    /// The GGUF row that holds HF row `row`.
    func ggufRow(forHFRow row: Int) -> Int {
        let (head, r) = row.quotientAndRemainder(dividingBy: headRows)
        let (j, i) = r.quotientAndRemainder(dividingBy: headRows / 2)
        return head * headRows + 2 * i + j
    }

    /// The permutation of a tensor of `rows` rows split over `heads` heads; nil when the rows
    /// do not split into heads of an even size (``problem(rows:heads:)`` says so).
    static func make(rows: Int, heads: Int) -> GGUFPermutation? {
        guard heads > 0, rows % heads == 0, (rows / heads) % 2 == 0 else { return nil }
        return GGUFPermutation(headRows: rows / heads)
    }

    static func problem(rows: Int, heads: Int) -> String {
        "its \(rows) rows do not split into \(heads) heads of an even size, which llama.cpp's RoPE permutation needs"
    }
}
