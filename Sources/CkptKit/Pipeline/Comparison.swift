/// What `ckpt diff` needs: two checkpoints, tolerances, and a model when the files name tensors
/// differently (a `.weights.h5` against an `.npz`).
public struct DiffRequest: Sendable {
    public var pathA: String
    public var pathB: String
    /// A model JSON used to name the tensors of files that key them by Keras path or position.
    public var specPath: String?
    /// Tolerances as in `numpy.allclose`: |a − b| ≤ atol + rtol·|b|. Both 0 means bit-equal values.
    public var absoluteTolerance: Double
    public var relativeTolerance: Double
    /// How to read both files (``ReadOptions``).
    public var readOptions = ReadOptions()

    /// Creates a request.
    public init(pathA: String, pathB: String, specPath: String? = nil, absoluteTolerance: Double = 0, relativeTolerance: Double = 0) {
        self.pathA = pathA
        self.pathB = pathB
        self.specPath = specPath
        self.absoluteTolerance = absoluteTolerance
        self.relativeTolerance = relativeTolerance
    }
}

/// One tensor's comparison.
public struct TensorDifference: Sendable {
    /// How a tensor compares.
    public enum Status: String, Sendable {
        case equal
        case close
        case different
        case onlyInA = "only_in_a"
        case onlyInB = "only_in_b"
        case shapeDiffers = "shape_differs"
    }

    public var name: String
    public var status: Status
    /// Shapes and dtypes on each side (nil where missing).
    public var a: TensorInfo?
    public var b: TensorInfo?
    /// Largest |a − b| and |a − b| / |b| over the elements (0 when equal; NaN on both sides counts as equal).
    public var maxAbsolute: Double = 0
    public var maxRelative: Double = 0
    /// Elements outside the tolerance.
    public var mismatchedElements = 0
}

/// The result of `ckpt diff`.
public struct DiffReport: Sendable {
    public var tensors: [TensorDifference]
    /// Whether every tensor is present on both sides and equal within the tolerance.
    public var isEqual: Bool { tensors.allSatisfy { $0.status == .equal || $0.status == .close } }
}

extension Checkpoints {
    /// Compares two checkpoints tensor by tensor, across formats.
    public static func diff(_ request: DiffRequest) throws -> DiffReport {
        let readerA = try CheckpointReaders.open(path: request.pathA, options: request.readOptions)
        let readerB = try CheckpointReaders.open(path: request.pathB, options: request.readOptions)
        // Each side's model: --spec, else the one it carries. A side keyed by Keras saving paths or
        // positions (.weights.h5, a weights-only .h5) without one is named through the other
        // side's model (a .keras or full .h5 of the same model), as Keras would load it.
        let planA = try structure(readerA, specPath: request.specPath)
        let planB = try structure(readerB, specPath: request.specPath)
        let namedA = try canonicalTensors(readerA, plan: planA ?? planB)
        let namedB = try canonicalTensors(readerB, plan: planB ?? planA)
        if planA == nil, planB == nil, readerA.format.isNameKeyed != readerB.format.isNameKeyed,
           Set(namedA.map(\.name)).isDisjoint(with: namedB.map(\.name)) {
            let (keyed, named) = readerA.format.isNameKeyed ? (readerB, readerA) : (readerA, readerB)
            throw CheckpointError(
                path: keyed.path,
                "its tensors are keyed by Keras saving paths, \(named.path)'s by names, and neither file carries the model: pass --spec with the model's JSON to pair them")
        }
        let indexB = Dictionary(namedB.map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first })
        var results: [TensorDifference] = []
        var seen = Set<String>()
        for (name, tensorA) in namedA {
            seen.insert(name)
            guard let tensorB = indexB[name] else {
                results.append(TensorDifference(name: name, status: .onlyInA, a: tensorA.info, b: nil))
                continue
            }
            var result = TensorDifference(name: name, status: .equal, a: tensorA.info, b: tensorB.info)
            guard tensorA.info.shape == tensorB.info.shape else {
                result.status = .shapeDiffers
                results.append(result)
                continue
            }
            let valuesA = try readDoubles(readerA, tensorA)
            let valuesB = try readDoubles(readerB, tensorB)
            var bitEqual = tensorA.info.dtype == tensorB.info.dtype
            for i in 0..<valuesA.count {
                let x = valuesA[i], y = valuesB[i]
                if x.isNaN && y.isNaN { continue }
                if x == y {
                    if x == 0 && x.sign != y.sign { bitEqual = false }
                    continue
                }
                bitEqual = false
                let difference = abs(x - y)
                let relative = y == 0 ? Double.infinity : difference / abs(y)
                result.maxAbsolute = max(result.maxAbsolute, difference.isNaN ? .infinity : difference)
                result.maxRelative = max(result.maxRelative, relative.isNaN ? .infinity : relative)
                if !(difference <= request.absoluteTolerance + request.relativeTolerance * abs(y)) {
                    result.mismatchedElements += 1
                }
            }
            // Equal is "every value the same" (NaN with NaN, also across dtypes), whatever the
            // tolerances: a tolerance only decides between close and different.
            if bitEqual || (result.mismatchedElements == 0 && result.maxAbsolute == 0) {
                result.status = .equal
            } else {
                result.status = result.mismatchedElements == 0 ? .close : .different
            }
            results.append(result)
        }
        for (name, tensorB) in namedB where !seen.contains(name) {
            results.append(TensorDifference(name: name, status: .onlyInB, a: nil, b: tensorB.info))
        }
        try readerA.verify()
        try readerB.verify()
        return DiffReport(tensors: results)
    }

    /// A file's tensors under canonical names: a model (`--spec` or the one the file carries) names
    /// Keras-path and legacy files; name-keyed files keep their names.
    static func canonicalTensors(_ reader: CheckpointReader, plan: Plan?) throws -> [(name: String, tensor: StoredTensor)] {
        if !reader.format.isNameKeyed, let plan {
            return try TensorMatching.match(reader, plan: plan).map { ($0.entry.name, $0.source) }
        }
        return reader.tensors.map { ($0.name, $0) }
    }

    /// The model that names a file's tensors: `--spec`, else the one it carries; nil for a
    /// name-keyed file (its names are canonical) or a file without a usable model.
    static func structure(_ reader: CheckpointReader, specPath: String?) throws -> Plan? {
        guard !reader.format.isNameKeyed || specPath == nil else { return nil }
        if reader.format.isNameKeyed && reader.modelConfig == nil { return nil }
        return try resolveStructure(reader, specPath: specPath, needed: false)?.0
    }

    private static func readDoubles(_ reader: CheckpointReader, _ tensor: StoredTensor) throws -> [Double] {
        var values: [Double] = []
        values.reserveCapacity(tensor.info.elementCount)
        try reader.read(tensor, maximumPieceBytes: 4 << 20) { piece in
            let count = piece.count / tensor.info.dtype.byteSize
            for i in 0..<count { values.append(ElementConversion.double(at: i, of: piece, dtype: tensor.info.dtype)) }
        }
        return values
    }
}
