import Testing
@testable import CkptKit

@Suite("JSON parser")
struct JSONParserTests {
    @Test func parsesNestedValuesAndKeepsKeyOrder() throws {
        let value = try JSONParser.parse(#"{"b": [1, -2.5e3, true, null], "a": {"x": "y\n\u00e9\ud83d\ude00"}}"#)
        let object = try #require(value.object)
        #expect(object.keys == ["b", "a"])
        #expect(value["b"]?.array?.count == 4)
        #expect(value["b"]?.array?[1].double == -2500)
        #expect(value["b"]?.array?[0].int == 1)
        #expect(value["a"]?["x"]?.string == "y\né😀")
    }

    @Test func acceptsPythonNonFiniteLiterals() throws {
        let value = try JSONParser.parse("[NaN, Infinity, -Infinity]")
        let items = try #require(value.array)
        #expect(items[0].double?.isNaN == true)
        #expect(items[1].double == .infinity)
        #expect(items[2].double == -.infinity)
    }

    @Test(arguments: [
        ("{\"a\": 1,}", 1, 9),
        ("{\n  \"a\": [1, 2\n  \"b\"", 3, 3),
        ("[1, 2", 1, 6),
        ("{\"a\" 1}", 1, 6),
        ("\"abc", 1, 1),
        ("[01]", 1, 2),
        ("{} x", 1, 4),
    ])
    func reportsLineAndColumn(text: String, line: Int, column: Int) {
        do {
            _ = try JSONParser.parse(text)
            Issue.record("expected an error for \(text)")
        } catch {
            #expect(error.line == line, "\(error)")
            #expect(error.column == column, "\(error)")
        }
    }

    @Test func rejectsHostileNesting() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(deep) }
    }

    @Test func writerRoundTrips() throws {
        let text = #"{"name": "a\"b", "list": [1, 2.5, null, false], "nested": {"k": []}}"#
        let value = try JSONParser.parse(text)
        #expect(JSONWriter.string(value, style: .python) == text)
        #expect(try JSONParser.parse(JSONWriter.string(value, style: .pretty)) == value)
    }
}
