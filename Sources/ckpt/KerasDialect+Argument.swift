import ArgumentParser
import CkptKit

/// `--keras-dialect`: `2` or `3`.
extension KerasDialect: OptionChoice {
    static func unknownValueMessage(_ text: String) -> String {
        "--keras-dialect \"\(text)\" is not a Keras dialect; expected 2 or 3"
    }
}
