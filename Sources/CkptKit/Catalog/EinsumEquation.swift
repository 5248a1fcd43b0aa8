/// Keras `EinsumDense`'s equation analysis: the kernel and bias shapes of `"abc,cd->abd"`, and which
/// kernel axes meet the input (fan in) or reach the output (fan out).
///
/// A port of `_analyze_einsum_string` / `_analyze_split_string` in keras/src/layers/core/einsum_dense.py.
struct EinsumEquation {
    var kernelShape: [Int]
    var biasShape: [Int]?
    /// Kernel axes contracted with the input.
    var inputAxes: [Int]
    /// Kernel axes that appear in the output.
    var outputAxes: [Int]

    /// Analyzes `equation` for an input of `inputShape` (batch first) and the layer's
    /// `outputShape` (batch excluded, None allowed where the input decides).
    static func analyze(
        _ equation: String, biasAxes: String?, inputShape: [Int?], outputShape: [Int?]
    ) throws(EinsumError) -> EinsumEquation {
        let replaced = equation.replacingOccurrences(of: "...", with: "0")
        guard let arrow = replaced.range(of: "->"), let comma = replaced.range(of: ",") , comma.upperBound <= arrow.lowerBound else {
            throw EinsumError("invalid einsum equation \"\(equation)\": expected [X],[Y]->[Z], ...[X],[Y]->...[Z] or [X]...,[Y]->[Z]...")
        }
        var input = String(replaced[..<comma.lowerBound])
        let weight = String(replaced[comma.upperBound..<arrow.lowerBound])
        var output = String(replaced[arrow.upperBound...])
        var leftElided = false
        func letters(_ s: String) -> Bool { !s.isEmpty && s.allSatisfy { $0.isASCII && $0.isLetter } }
        if letters(input), letters(weight), letters(output) {
        } else if input.hasPrefix("0"), output.hasPrefix("0"), letters(String(input.dropFirst())), letters(weight), letters(String(output.dropFirst())) {
            input.removeFirst(); output.removeFirst(); leftElided = true
        } else if input.hasSuffix("0"), output.hasSuffix("0"), input.count >= 3, letters(String(input.dropLast())), letters(weight), letters(String(output.dropLast())) {
            input.removeLast(); output.removeLast()
        } else {
            throw EinsumError("invalid einsum equation \"\(equation)\": expected [X],[Y]->[Z], ...[X],[Y]->...[Z] or [X]...,[Y]->[Z]...")
        }
        let inputSpec = Array(input), weightSpec = Array(weight), outputSpec = Array(output)
        let elided = inputShape.count - inputSpec.count
        guard elided >= 0 else {
            throw EinsumError("equation \"\(equation)\" names \(inputSpec.count) input axes but the input \(ShapeText.describe(inputShape)) has \(inputShape.count)")
        }
        var full: [Int?] = [inputShape.first ?? nil] + outputShape
        if elided > 0 && leftElided {
            for i in 1..<max(elided, 1) { full.insert(inputShape[i], at: 1) }
        } else if elided > 0 {
            for i in (inputShape.count - elided)..<inputShape.count { full.append(inputShape[i]) }
        }
        var inputMap: [Character: Int] = [:], outputMap: [Character: Int] = [:]
        for (i, c) in inputSpec.enumerated() { inputMap[c] = leftElided ? i + elided : i }
        for (i, c) in outputSpec.enumerated() { outputMap[c] = leftElided ? i + elided : i }
        for c in inputSpec {
            guard let o = outputMap[c], o < full.count, let i = inputMap[c] else { continue }
            if let out = full[o], let inp = inputShape[i], out != inp {
                throw EinsumError("input and output shapes differ at shared dimension '\(c)': \(inp) vs \(out)")
            }
            if full[o] == nil { full[o] = inputShape[i] }
        }
        for c in outputSpec where inputMap[c] == nil && !weightSpec.contains(c) {
            throw EinsumError("output dimension '\(c)' has no matching dimension in the input or the weight")
        }
        var kernel: [Int] = [], inputAxes: [Int] = [], outputAxes: [Int] = []
        for (i, c) in weightSpec.enumerated() {
            let size: Int?
            if let o = outputMap[c] {
                size = o < full.count ? full[o] : nil
                outputAxes.append(i)
            } else if let k = inputMap[c] {
                size = inputShape[k]
                inputAxes.append(i)
            } else {
                throw EinsumError("weight dimension '\(c)' matches neither the input nor the output")
            }
            guard let size else { throw EinsumError("weight dimension '\(c)' has an unknown (None) size") }
            kernel.append(size)
        }
        var bias: [Int]?
        if let biasAxes, !biasAxes.isEmpty {
            for c in biasAxes where !outputSpec.contains(c) {
                throw EinsumError("bias dimension '\(c)' is not part of the output spec \"\(output)\"")
            }
            let first = biasAxes.compactMap { outputSpec.firstIndex(of: $0) }.min() ?? 0
            let offset = leftElided ? elided : 0
            var shape: [Int] = []
            for (i, c) in outputSpec.enumerated() where i >= first {
                if biasAxes.contains(c) {
                    guard i + offset < full.count, let size = full[i + offset] else {
                        throw EinsumError("bias dimension '\(c)' has an unknown (None) size")
                    }
                    shape.append(size)
                } else {
                    shape.append(1)
                }
            }
            if !leftElided { shape.append(contentsOf: Array(repeating: 1, count: elided)) }
            bias = shape
        }
        return EinsumEquation(kernelShape: kernel, biasShape: bias, inputAxes: inputAxes, outputAxes: outputAxes)
    }
}

/// Why an einsum equation cannot be analyzed.
struct EinsumError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
