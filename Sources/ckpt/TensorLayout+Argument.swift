import ArgumentParser
import CkptKit

/// `--layout`: `torch` or `keras`.
extension TensorLayout: OptionChoice {
    static func unknownValueMessage(_ text: String) -> String {
        "--layout \"\(text)\" is not a layout; expected torch (a Keras checkpoint to the state_dict of the equivalent torch.nn modules) or keras (such a state_dict back, with --spec)"
    }
}
