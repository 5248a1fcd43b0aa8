import Foundation

/// Arrays `ckpt analyze` reads (`--input`, `--output-grad`): a `.npy` file or the members of an
/// `.npz`, converted to float32 (integer ids stay exact below 2²⁴).
enum AnalysisArrays {
    /// The array in the `.npy` file at `path`.
    static func readNPY(path: String) throws -> AnalysisTensor {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AnalysisError(file: path, "cannot read the file")
        }
        let bytes = [UInt8](data)
        let preamble: (major: UInt8, dictionaryStart: Int, dataOffset: Int)
        let header: NPYHeader
        do {
            preamble = try NPYHeader.preamble(Array(bytes.prefix(12)))
            guard bytes.count >= preamble.dataOffset else { throw AnalysisError(file: path, "the .npy header is truncated") }
            header = try NPYHeader(dictionary: bytes[preamble.dictionaryStart..<preamble.dataOffset])
        } catch let error as NPYHeader.Problem {
            throw AnalysisError(file: path, "not a .npy array ckpt can read: \(error.reason)")
        }
        guard !header.isBigEndian, !header.isFortranOrder else {
            throw AnalysisError(file: path, "a big-endian or Fortran-order .npy is not supported; save it with numpy.ascontiguousarray(x.astype('<f4'))")
        }
        let count = header.shape.reduce(1, *)
        guard bytes.count - preamble.dataOffset >= count * header.dtype.byteSize else {
            throw AnalysisError(file: path, "the data is shorter than its shape \(ShapeText.describe(header.shape)) needs")
        }
        return tensor(Array(bytes[preamble.dataOffset...]), info: TensorInfo(name: path, shape: header.shape, dtype: header.dtype))
    }

    /// Every array of the `.npz` at `path`, by member name.
    static func readNPZ(path: String) throws -> [(name: String, tensor: AnalysisTensor)] {
        let reader = try NPZReader(path: path)
        return try reader.tensors.map { info in (info.name, tensor(try reader.readTensor(named: info.name), info: info)) }
    }

    static func tensor(_ bytes: [UInt8], info: TensorInfo) -> AnalysisTensor {
        var values = [Float](repeating: 0, count: info.elementCount)
        bytes.withUnsafeBytes { raw in
            if info.dtype == .float32 {
                for i in values.indices { values[i] = raw.loadUnaligned(fromByteOffset: 4 * i, as: Float.self) }
            } else {
                for i in values.indices { values[i] = Float(ElementConversion.double(at: i, of: raw, dtype: info.dtype)) }
            }
        }
        return AnalysisTensor(shape: info.shape, values: values)
    }
}
