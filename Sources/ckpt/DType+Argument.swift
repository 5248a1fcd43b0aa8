import ArgumentParser
import CkptKit

/// `--dtype`: the floating-point types, the ones ckpt generates values for, in any case.
extension DType: OptionChoice {
    public init?(argument: String) {
        guard let dtype = DType(rawValue: argument.lowercased()), dtype.isFloatingPoint else { return nil }
        self = dtype
    }

    public static var allValueStrings: [String] { [DType.float32, .float16, .bfloat16, .float64].map(\.rawValue) }

    static func unknownValueMessage(_ text: String) -> String {
        "unknown --dtype \"\(text)\"; expected float32, float16, bfloat16 or float64"
    }
}
