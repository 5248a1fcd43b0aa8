import Testing
@testable import CkptKit

/// Padding rows are zeroed on the way to the writer, whatever the piece boundaries.
@Suite("Row zeroing")
struct RowZeroingTests {
    static func entry(rows: [Int]) -> PlanEntry {
        var entry = PlanEntry(
            name: "e.weight", kerasPath: "e.weight", topLevelLayer: "e", layer: "e", layerClass: "nn.Embedding", variable: "weight",
            shape: [5, 3], dtype: .bfloat16, role: .embeddings, trainable: true, fans: Fans(fanIn: 3, fanOut: 5),
            initializer: Initializer(.ones), fill: .elementwise(.constant(1)), reason: "test")
        entry.zeroRows = rows
        return entry
    }

    @Test(arguments: [1, 2, 5])
    func zeroesExactlyTheRows(rowsPerPiece: Int) throws {
        var zeroing = RowZeroing()
        zeroing.begin(Self.entry(rows: [0, 3]))
        let rowBytes = 3 * 2
        let all = [UInt8](repeating: 0xAB, count: 5 * rowBytes)
        var out: [UInt8] = []
        var offset = 0
        while offset < all.count {
            let count = min(rowsPerPiece * rowBytes, all.count - offset)
            try all[offset..<offset + count].withUnsafeBytes { piece in try zeroing.pass(piece) { out += $0 } }
            offset += count
        }
        for row in 0..<5 {
            let bytes = out[row * rowBytes..<(row + 1) * rowBytes]
            #expect(bytes.allSatisfy { $0 == ([0, 3].contains(row) ? 0 : 0xAB) }, "row \(row)")
        }
    }
}
