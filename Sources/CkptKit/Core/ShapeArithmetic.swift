/// Overflow-checked sizes of shapes read from untrusted files.
enum ShapeArithmetic {
    /// The byte count of a tensor of `shape`, or nil when a dimension is negative or the product
    /// of the *nonzero* dimensions times `elementSize` overflows `Int`. Checking the nonzero
    /// dimensions (as NumPy does) matters: `(0, 2⁴⁰, 2⁴⁰)` holds no element, but one of its rows
    /// would be 2⁸⁰ elements, and code that computes row sizes must never see such a shape.
    static func byteCount(_ shape: [Int], elementSize: Int) -> Int? {
        var nonzero = elementSize
        var hasZero = false
        for dimension in shape {
            guard dimension >= 0 else { return nil }
            if dimension == 0 { hasZero = true; continue }
            let (product, overflow) = nonzero.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            nonzero = product
        }
        return hasZero ? 0 : nonzero
    }
}
