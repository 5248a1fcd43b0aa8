/// Finds the tensors in what a `torch.save` pickle built, named by their path.
///
/// Dicts are walked by key, lists and tuples by index, joined with dots (`model.0.weight`,
/// `encoder.layers.3.bias`), so a plain `state_dict` keeps its own names. A Lightning checkpoint
/// (a dict with a `state_dict` dict, beside `epoch`, `global_step`, …) gives the tensors of its
/// `state_dict` under their own names. Optimizer and scheduler states (``optimizerKeys``) are
/// left out unless asked for (then under their paths, Lightning's after the `state_dict`). Numbers and strings found on the way become metadata for
/// `ckpt inspect` (the first ``maximumMetadata``).
struct TorchObjectWalk {
    /// Keys whose values are optimizer or scheduler states, not model weights (Lightning's
    /// `optimizer_states`/`lr_schedulers`, and the `optimizer`/`optimizer_state_dict` of
    /// hand-written training loops).
    static let optimizerKeys: Set<String> = ["optimizer_states", "lr_schedulers", "optimizer", "optimizer_state_dict", "optim"]
    static let maximumDepth = 100
    static let maximumMetadata = 200

    struct Found {
        var name: String
        var tensor: TorchTensor
    }

    let heap: PickleHeap
    let includeOptimizer: Bool
    /// Whether a non-contiguous view is kept (its reader copies it) rather than refused.
    let copyStridedViews: Bool
    private(set) var tensors: [Found] = []
    private(set) var metadata: [(key: String, value: String)] = []
    private var visits = 0
    private var names: Set<String> = []

    init(heap: PickleHeap, includeOptimizer: Bool, copyStridedViews: Bool = false) {
        self.heap = heap
        self.includeOptimizer = includeOptimizer
        self.copyStridedViews = copyStridedViews
    }

    /// Walks `root`; a problem is a reason for the caller's error.
    mutating func walk(_ root: PickleValue) throws(PickleProblem) {
        if case .dict(let id) = root,
           let stateDict = heap.dicts[id].first(where: { if case .string("state_dict") = $0.key { return true } else { return false } }),
           case .dict = stateDict.value {
            for item in heap.dicts[id] {
                guard case .string(let key) = item.key, key != "state_dict" else { continue }
                note(key, item.value)
            }
            try visit(stateDict.value, path: "", depth: 0)
            // Asked for, the optimizer states come after, under their own keys.
            for item in heap.dicts[id] where includeOptimizer {
                guard case .string(let key) = item.key, Self.optimizerKeys.contains(key) else { continue }
                try visit(item.value, path: key, depth: 1)
            }
        } else {
            try visit(root, path: "", depth: 0)
        }
    }

    private mutating func visit(_ value: PickleValue, path: String, depth: Int) throws(PickleProblem) {
        visits += 1
        guard depth <= Self.maximumDepth, visits <= PickleMachine.maximumValues else {
            throw PickleProblem(kind: .invalidPickle, offset: 0, reason: "the object is nested deeper than \(Self.maximumDepth) or has more than \(PickleMachine.maximumValues) parts (a cycle?)")
        }
        switch value {
        case .tensor(let tensor):
            let name = path.isEmpty ? "tensor" : path
            guard tensor.isContiguous || copyStridedViews else {
                throw PickleProblem(kind: .unsupported, offset: 0, reason: "tensor '\(name)' is a non-contiguous view (size \(tensor.shape), stride \(tensor.stride)); pass --copy-strided to copy it in C order, or save it with .contiguous()")
            }
            guard names.insert(name).inserted else {
                throw PickleProblem(kind: .invalidPickle, offset: 0, reason: "two tensors are named '\(name)'")
            }
            tensors.append(Found(name: name, tensor: tensor))
        case .dict(let id):
            for item in heap.dicts[id] {
                let key: String
                switch item.key {
                case .string(let text): key = text
                case .int(let number): key = String(number)
                case .bool(let flag): key = flag ? "True" : "False"
                default: continue  // tensors are not found under keys of other kinds
                }
                if !includeOptimizer, Self.optimizerKeys.contains(key) { continue }
                try visit(item.value, path: join(path, key), depth: depth + 1)
            }
        case .list(let id):
            for (index, item) in heap.lists[id].enumerated() {
                try visit(item, path: join(path, String(index)), depth: depth + 1)
            }
        case .tuple(let items):
            for (index, item) in items.enumerated() {
                try visit(item, path: join(path, String(index)), depth: depth + 1)
            }
        default:
            if depth > 0, depth <= 2 { note(path, value) }
        }
    }

    private mutating func note(_ key: String, _ value: PickleValue) {
        guard metadata.count < Self.maximumMetadata else { return }
        let text: String
        switch value {
        case .int(let number): text = String(number)
        case .float(let number): text = String(number)
        case .bool(let flag): text = flag ? "True" : "False"
        case .string(let string): text = String(string.prefix(200))
        default: return
        }
        metadata.append((key, text))
    }

    private func join(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : path + "." + key
    }
}
