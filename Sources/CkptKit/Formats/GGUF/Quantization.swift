/// A quantized type a writer stores weight matrices in (`--quantize`); GGUF only.
public enum Quantization: String, Sendable, CaseIterable {
    /// ggml's Q8_0: blocks of 32 int8 values with a float16 scale (``GGUFQ8_0``).
    case q8_0
}
