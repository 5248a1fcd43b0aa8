import Testing
@testable import CkptKit

@Suite("Fans")
struct FansTests {
    static let cases: [(shape: [Int], fanIn: Double, fanOut: Double)] = [
        ([], 1, 1),
        ([10], 10, 10),
        ([64, 128], 64, 128),
        ([3, 3, 16, 32], 144, 288),
        ([5, 7, 2], 35, 10),
        ([2, 3, 3, 8, 4], 144, 72),
        ([0, 5], 0, 5),
    ]

    @Test("Keras compute_fans", arguments: cases)
    func keras(_ shape: [Int], _ fanIn: Double, _ fanOut: Double) {
        #expect(Fans.keras(shape: shape) == Fans(fanIn: fanIn, fanOut: fanOut))
    }

    @Test("explicit axes: products of the named dimensions, negative axes from the end")
    func axes() throws {
        // MultiHeadAttention query kernel (d, H, k) with Keras 3.15's einsum axes.
        #expect(try Fans.keras(shape: [512, 8, 64], inputAxes: [0], outputAxes: [1, 2]) == Fans(fanIn: 512, fanOut: 512))
        #expect(try Fans.keras(shape: [8, 64, 512], inputAxes: [-3, -2], outputAxes: [-1]) == Fans(fanIn: 512, fanOut: 512))
        #expect(try Fans.keras(shape: [4], inputAxes: [], outputAxes: [0]) == Fans(fanIn: 1, fanOut: 4))
    }

    @Test("an axis out of range names the parameter")
    func badAxis() {
        #expect(throws: InitializerError.self) { try Fans.keras(shape: [3, 4], inputAxes: [2], outputAxes: [1]) }
        do {
            _ = try Fans.keras(shape: [3, 4], inputAxes: [0], outputAxes: [-3])
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("output_axes"))
        }
    }
}
