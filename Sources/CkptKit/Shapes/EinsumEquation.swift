/// An `EinsumDense` equation analysed as Keras 3.15 does (`einsum_dense._analyze_einsum_string`):
/// the kernel's shape, the bias's shape and the full output shape for an input shape.
///
/// Three forms: `ab,bc->ac`; left-elided `...b,bc->...c`; right-elided `ab...,bc->ac...`. Like
/// Keras, the `output_shape` config excludes the batch dimension and the elided dimensions.
struct EinsumEquation: Sendable, Hashable {
    /// The input, kernel and output subscripts (without the ellipsis).
    var input: [Character]
    var kernel: [Character]
    var output: [Character]
    /// Whether `...` stands on the left (`...b,bc->...c`); false for none or the right.
    var leftElided: Bool

    /// What Keras derives from the equation for one input shape.
    struct Analysis: Sendable, Hashable {
        var kernelShape: [Int?]
        var biasShape: [Int?]?
        var outputShape: [Int?]
        /// Kernel axes contracted with the input, and those that reach the output.
        var inputAxes: [Int]
        var outputAxes: [Int]
    }

    /// Parses `equation`; nil when it is not one of the three forms.
    init?(_ equation: String) {
        let replaced = equation.replacingOccurrences(of: "...", with: "0")
        func letters(_ text: Substring) -> [Character]? {
            let chars = Array(text)
            return !chars.isEmpty && chars.allSatisfy { $0.isASCII && $0.isLetter } ? chars : nil
        }
        let sides = replaced.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard sides.count == 2, sides[1].hasPrefix(">") else { return nil }
        let operands = sides[0].split(separator: ",", omittingEmptySubsequences: false)
        guard operands.count == 2 else { return nil }
        var lhs = operands[0], rhs = sides[1].dropFirst()
        guard let kernel = letters(operands[1]) else { return nil }
        if lhs.hasPrefix("0") && rhs.hasPrefix("0") {
            leftElided = true
            lhs = lhs.dropFirst()
            rhs = rhs.dropFirst()
        } else if lhs.hasSuffix("0") && rhs.hasSuffix("0") {
            leftElided = false
            lhs = lhs.dropLast()
            rhs = rhs.dropLast()
            guard lhs.count >= 2 else { return nil }
        } else {
            leftElided = false
        }
        guard let input = letters(lhs), let output = letters(rhs) else { return nil }
        self.input = input
        self.kernel = kernel
        self.output = output
    }

    /// Keras' `_analyze_split_string` for `inputShape` (batch first) and the partial
    /// `outputShape` config; `what` prefixes error messages.
    func analyze(inputShape: [Int?], partialOutput: [Int?], biasAxes: String?, what: String) throws(ModelError) -> Analysis {
        let elided = inputShape.count - input.count
        guard elided >= 0, !inputShape.isEmpty else {
            throw ModelError("\(what): the equation's input \"\(String(input))\" has more axes than the input shape \(ShapeText.describe(inputShape))")
        }
        var full = partialOutput
        full.insert(inputShape[0], at: 0)
        if elided > 0 && leftElided {
            for i in 1..<elided { full.insert(inputShape[i], at: 1) }
        } else if elided > 0 {
            for i in (inputShape.count - elided)..<inputShape.count { full.append(inputShape[i]) }
        }
        func inputIndex(_ i: Int) -> Int { leftElided ? inputShape.count - input.count + i : i }
        func outputIndex(_ i: Int) -> Int { leftElided ? i + elided : i }
        var inputMap: [Character: Int] = [:], outputMap: [Character: Int] = [:]
        for (i, c) in input.enumerated() { inputMap[c] = inputIndex(i) }
        for (i, c) in output.enumerated() { outputMap[c] = outputIndex(i) }
        for c in output.reversed() where outputMap[c]! >= full.count {
            throw ModelError("\(what): output_shape \(ShapeText.describe(partialOutput)) is too short for the equation's output \"\(String(output))\"")
        }
        for c in input {
            if let o = outputMap[c], let given = full[o], let actual = inputShape[inputMap[c]!], given != actual {
                throw ModelError("\(what): input and output shapes differ at the shared dimension '\(c)': \(actual) vs \(given)")
            }
        }
        for c in output where inputMap[c] == nil && !kernel.contains(c) {
            throw ModelError("\(what): output dimension '\(c)' appears in neither the input nor the kernel")
        }
        var kernelShape: [Int?] = [], inputAxes: [Int] = [], outputAxes: [Int] = []
        for (i, c) in kernel.enumerated() {
            if let o = outputMap[c] {
                kernelShape.append(full[o])
                outputAxes.append(i)
            } else if let n = inputMap[c] {
                kernelShape.append(inputShape[n])
                inputAxes.append(i)
            } else {
                throw ModelError("\(what): kernel dimension '\(c)' is in neither the input nor the output")
            }
        }
        var biasShape: [Int?]?
        if let biasAxes, !biasAxes.isEmpty {
            let offset = leftElided ? elided : 0
            for c in biasAxes where !output.contains(c) {
                throw ModelError("\(what): bias axis '\(c)' is not in the output \"\(String(output))\"")
            }
            let first = biasAxes.compactMap { c in output.firstIndex(of: c) }.min() ?? 0
            var shape: [Int?] = output[first...].map { c in
                biasAxes.contains(c) ? full[output.firstIndex(of: c)! + offset] : 1
            }
            if !leftElided { shape += Array(repeating: 1, count: elided) }
            biasShape = shape
        }
        return Analysis(kernelShape: kernelShape, biasShape: biasShape, outputShape: full,
                        inputAxes: inputAxes, outputAxes: outputAxes)
    }
}
