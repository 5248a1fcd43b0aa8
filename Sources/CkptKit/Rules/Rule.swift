/// One user rule: which tensors it selects and what they get (docs/rules.md).
public struct Rule: Sendable {
    /// Which tensors a rule selects; every given field must match (an empty selector selects all).
    public struct Selector: Sendable {
        /// A glob over the canonical tensor name (`head/*`, `*/recurrent_kernel`).
        public var name: Glob?
        /// A glob over the canonical layer name (the chain of layer names, `encoder/ffn_up`).
        public var layer: Glob?
        /// A glob over the Keras class name (`Dense`, `Conv*`).
        public var className: Glob?
        /// The variable roles, any of which matches.
        public var roles: Set<TensorRole>?
        /// A glob over the activation the layer's output meets (normalized: `relu`, `gelu`, `linear`).
        public var activation: Glob?
        /// Where the layer is among the model's weighted layers.
        public var position: Position?
        /// Which part of a residual branch the layer is.
        public var residualBranch: BranchPart?

        /// Creates a selector.
        public init(name: Glob? = nil) { self.name = name }

        /// Whether nothing is constrained.
        public var isEmpty: Bool {
            name == nil && layer == nil && className == nil && roles == nil && activation == nil && position == nil
                && residualBranch == nil
        }
    }

    /// A place among the weighted layers, in checkpoint order, counted from 0 (negative from the end).
    public enum Position: Sendable, Equatable {
        case index(Int)
        /// Inclusive on both ends.
        case range(Int, Int)

        /// Parses `first`, `last`, `3`, `-1`, `2..5`, `-3..-1`.
        public init?(_ text: String) {
            let t = text.trimmingCharacters(in: .whitespaces)
            switch t {
            case "first": self = .index(0)
            case "last": self = .index(-1)
            default:
                if let i = Int(t) {
                    self = .index(i)
                } else if let r = t.range(of: ".."), let a = Int(t[..<r.lowerBound]), let b = Int(t[r.upperBound...]) {
                    self = .range(a, b)
                } else {
                    return nil
                }
            }
        }

        /// Whether layer `index` of `count` is in this position.
        func contains(_ index: Int, count: Int) -> Bool {
            func resolve(_ i: Int) -> Int { i < 0 ? count + i : i }
            switch self {
            case .index(let i): return resolve(i) == index
            case .range(let a, let b): return resolve(a) <= index && index <= resolve(b)
            }
        }
    }

    /// Parts of a residual branch (a path from a fork to an `Add`; docs/rules.md "Residual branches").
    public enum BranchPart: String, Sendable, CaseIterable {
        /// Any layer on a residual branch.
        case any
        /// The weighted (kernel) layer closest to the `Add`: the branch's output projection.
        case last
        /// The normalization layer closest to the `Add`.
        case lastNorm = "last_norm"
        /// A layer on no residual branch.
        case none
    }

    /// Where a rule came from, for reasons, warnings and errors.
    public enum Origin: Sendable, Equatable {
        /// Entry `index` (from 0) of a rules file's `"rules"`, at `line`.
        case file(path: String, index: Int, line: Int?)
        /// A `--rule` flag.
        case flag(text: String)

        /// `rule 2 of rules.json` or `--rule 'head/*=zeros'`.
        public var label: String {
            switch self {
            case .file(let path, let index, _): return "rule \(index + 1) of \(RuleSet.displayName(path))"
            case .flag(let text): return "--rule '\(text)'"
            }
        }

        /// `rules.json: rule 2 (rules[1], line 7)`, for errors.
        public var location: String {
            switch self {
            case .file(let path, let index, let line):
                return "\(path): rule \(index + 1) (rules[\(index)]\(line.map { ", line \($0)" } ?? ""))"
            case .flag(let text): return "--rule '\(text)'"
            }
        }
    }

    /// Which tensors.
    public var selector: Selector
    /// The initializer they get (nil: keep the one chosen below, only scale it).
    public var initializer: Initializer?
    /// The initializer as written, for reasons.
    public var initializerText: String?
    /// A factor on every value (so on the std and the mean), applied after the initializer.
    public var scale: Double?
    /// Where it came from.
    public var origin: Origin
    /// The selector as the user wrote it, for reasons: `"head/*"` or `{"role": "kernel", …}`.
    public var selectorText: String

    /// Creates a rule.
    public init(selector: Selector, initializer: Initializer?, initializerText: String?, scale: Double?, origin: Origin, selectorText: String) {
        self.selector = selector
        self.initializer = initializer
        self.initializerText = initializerText
        self.scale = scale
        self.origin = origin
        self.selectorText = selectorText
    }

    /// `rule 2 of rules.json: "head/*" → zeros` or `--rule 'head/*=zeros'`.
    var reason: String {
        var action = initializerText ?? ""
        if let scale { action += (action.isEmpty ? "" : ", ") + "× \(NumberText.short(scale))" }
        switch origin {
        case .flag: return origin.label
        case .file: return "\(origin.label): \(selectorText) → \(action)"
        }
    }
}
