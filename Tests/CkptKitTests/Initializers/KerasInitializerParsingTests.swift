import Testing
@testable import CkptKit

@Suite("Parsing Keras initializer references")
struct KerasInitializerParsingTests {
    // Small JSON builders (no parser needed for these tests).
    static func object(_ members: [(String, JSONValue)]) -> JSONValue {
        .object(JSONObject(members.map { (key: $0.0, value: $0.1) }))
    }
    static func number(_ value: Double) -> JSONValue { .number(JSONNumber(value)) }
    static func integer(_ value: Int) -> JSONValue { .number(JSONNumber(value)) }
    static func keras3(_ className: String, _ config: [(String, JSONValue)]) -> JSONValue {
        object([
            ("module", .string("keras.initializers")), ("class_name", .string(className)),
            ("config", object(config)), ("registered_name", .null),
        ])
    }
    static func keras2(_ className: String, _ config: [(String, JSONValue)]) -> JSONValue {
        object([("class_name", .string(className)), ("config", object(config))])
    }

    /// Every name in Keras's ALL_OBJECTS_DICT (plus the export aliases) and what it means.
    static let names: [(String, Initializer.Kind)] = [
        ("zeros", .zeros), ("zero", .zeros), ("Zeros", .zeros),
        ("ones", .ones), ("one", .ones), ("Ones", .ones),
        ("constant", .constant(value: 0)), ("Constant", .constant(value: 0)),
        ("uniform", .randomUniform(minval: -0.05, maxval: 0.05)),
        ("random_uniform", .randomUniform(minval: -0.05, maxval: 0.05)),
        ("RandomUniform", .randomUniform(minval: -0.05, maxval: 0.05)),
        ("normal", .randomNormal(mean: 0, stddev: 0.05)), ("random_normal", .randomNormal(mean: 0, stddev: 0.05)),
        ("RandomNormal", .randomNormal(mean: 0, stddev: 0.05)),
        ("truncated_normal", .truncatedNormal(mean: 0, stddev: 0.05)),
        ("TruncatedNormal", .truncatedNormal(mean: 0, stddev: 0.05)),
        ("variance_scaling", .varianceScaling(scale: 1, mode: .fanIn, distribution: .truncatedNormal)),
        ("VarianceScaling", .varianceScaling(scale: 1, mode: .fanIn, distribution: .truncatedNormal)),
        ("glorot_uniform", .glorotUniform), ("GlorotUniform", .glorotUniform),
        ("glorot_normal", .glorotNormal), ("GlorotNormal", .glorotNormal),
        ("he_uniform", .heUniform), ("HeUniform", .heUniform),
        ("he_normal", .heNormal), ("HeNormal", .heNormal),
        ("lecun_uniform", .lecunUniform), ("LecunUniform", .lecunUniform),
        ("lecun_normal", .lecunNormal), ("LecunNormal", .lecunNormal),
        ("orthogonal", .orthogonal(gain: 1)), ("Orthogonal", .orthogonal(gain: 1)),
        ("OrthogonalInitializer", .orthogonal(gain: 1)),
        ("identity", .identity(gain: 1)), ("Identity", .identity(gain: 1)), ("IdentityInitializer", .identity(gain: 1)),
    ]

    @Test("every name, as a string, a Keras 3 object and a Keras 2 object", arguments: 0..<names.count)
    func name(_ index: Int) throws {
        let (name, kind) = Self.names[index]
        #expect(try Initializer.keras(.string(name)) == Initializer(kind))
        #expect(try Initializer.keras(Self.keras3(name, [])) == Initializer(kind))
        #expect(try Initializer.keras(Self.keras2(name, [])) == Initializer(kind))
    }

    @Test("a Keras 3 HeNormal with seed and null axes")
    func heNormalKeras3() throws {
        let value = Self.keras3("HeNormal", [("seed", .null), ("input_axes", .null), ("output_axes", .null)])
        #expect(try Initializer.keras(value) == .heNormal)
        let seeded = Self.keras3("HeNormal", [("seed", Self.integer(42))])
        #expect(try Initializer.keras(seeded) == Initializer(.heNormal, seed: 42))
        #expect(try Initializer.keras(seeded).description == "he_normal(seed=42)")
    }

    @Test("parameters of every configurable class")
    func parameters() throws {
        #expect(try Initializer.keras(Self.keras3("RandomUniform", [
            ("minval", Self.number(-0.1)), ("maxval", Self.number(0.2)), ("seed", Self.integer(7)),
        ])) == Initializer(.randomUniform(minval: -0.1, maxval: 0.2), seed: 7))
        #expect(try Initializer.keras(Self.keras2("RandomNormal", [("mean", Self.number(1)), ("stddev", Self.number(0.02))]))
            == Initializer(.randomNormal(mean: 1, stddev: 0.02)))
        #expect(try Initializer.keras(Self.keras2("TruncatedNormal", [("stddev", Self.number(0.02)), ("dtype", .string("float32"))]))
            == Initializer(.truncatedNormal(mean: 0, stddev: 0.02)))
        #expect(try Initializer.keras(Self.keras3("Constant", [("value", Self.number(0.5))])) == Initializer(.constant(value: 0.5)))
        let numpyScalar = Self.object([
            ("class_name", .string("__numpy__")), ("config", Self.object([("value", Self.number(2)), ("dtype", .string("float32"))])),
        ])
        #expect(try Initializer.keras(Self.keras3("Constant", [("value", numpyScalar)])) == Initializer(.constant(value: 2)))
        #expect(try Initializer.keras(Self.keras3("Orthogonal", [("gain", Self.number(2)), ("seed", Self.integer(1))]))
            == Initializer(.orthogonal(gain: 2), seed: 1))
        #expect(try Initializer.keras(Self.keras3("Identity", [("gain", Self.number(0.5))])) == Initializer(.identity(gain: 0.5)))
    }

    @Test("VarianceScaling: modes, distributions (normal = truncated, case-insensitive), axes")
    func varianceScaling() throws {
        func parse(_ config: [(String, JSONValue)]) throws -> Initializer {
            try Initializer.keras(Self.keras3("VarianceScaling", config))
        }
        #expect(try parse([("scale", Self.number(2)), ("mode", .string("fan_avg")), ("distribution", .string("uniform"))])
            == Initializer(.varianceScaling(scale: 2, mode: .fanAvg, distribution: .uniform)))
        #expect(try parse([("distribution", .string("normal"))])
            == Initializer(.varianceScaling(scale: 1, mode: .fanIn, distribution: .truncatedNormal)))
        #expect(try parse([("distribution", .string("Untruncated_Normal")), ("mode", .string("fan_out"))])
            == Initializer(.varianceScaling(scale: 1, mode: .fanOut, distribution: .untruncatedNormal)))
        let axes = try parse([
            ("input_axes", .array([Self.integer(0)])), ("output_axes", .array([Self.integer(1), Self.integer(2)])),
        ])
        #expect(axes.fanAxes == Initializer.FanAxes(input: [0], output: [1, 2]))
        #expect(try parse([("input_axes", .array([Self.integer(0)])), ("output_axes", .null)]).fanAxes == nil)
    }

    @Test("old preset configs that spell out matching variance-scaling parameters are accepted")
    func legacyPresetConfig() throws {
        let value = Self.keras2("GlorotUniform", [
            ("scale", Self.number(1)), ("mode", .string("fan_avg")), ("distribution", .string("uniform")), ("seed", .null),
        ])
        #expect(try Initializer.keras(value) == .glorotUniform)
        let wrong = Self.keras2("GlorotUniform", [("scale", Self.number(2))])
        #expect(throws: InitializerError.self) { try Initializer.keras(wrong) }
    }

    /// (JSON, text the one-line error must contain).
    static let bad: [(JSONValue, [String])] = [
        (.string("he_normall"), ["he_normall", "did you mean \"he_normal\"?"]),
        (.string("GlorotUniforn"), ["GlorotUniforn", "\"GlorotUniform\""]),
        (.string("xavier"), ["unknown initializer \"xavier\""]),
        (keras3("HeNormalX", []), ["HeNormalX", "\"HeNormal\""]),
        (keras3("RandomNormal", [("stdev", number(0.1))]), ["RandomNormal", "\"stdev\"", "\"stddev\""]),
        (keras3("RandomNormal", [("stddev", number(-1))]), ["RandomNormal", "\"stddev\"", "-1"]),
        (keras3("RandomUniform", [("minval", number(1)), ("maxval", number(0))]), ["RandomUniform", "\"minval\""]),
        (keras3("VarianceScaling", [("scale", number(0))]), ["\"scale\"", "> 0"]),
        (keras3("VarianceScaling", [("scale", number(-2))]), ["\"scale\""]),
        (keras3("VarianceScaling", [("mode", .string("fan_sum"))]), ["\"mode\"", "fan_sum", "fan_avg"]),
        (keras3("VarianceScaling", [("mode", .string("FAN_IN"))]), ["\"mode\""]),
        (keras3("VarianceScaling", [("distribution", .string("gaussian"))]), ["\"distribution\"", "gaussian"]),
        (keras3("HeNormal", [("seed", number(1.5))]), ["\"seed\"", "integer"]),
        (keras3("HeNormal", [("seed", .string("x"))]), ["\"seed\""]),
        (keras3("Constant", [("value", .string("abc"))]), ["\"value\"", "a number"]),
        (keras3("Constant", [("value", .bool(true))]), ["\"value\""]),
        (keras3("VarianceScaling", [("input_axes", .string("0")), ("output_axes", .null)]), ["\"input_axes\""]),
        (object([("class_name", .string("Zeros")), ("config", .array([]))]), ["\"config\" of Zeros"]),
        (object([("config", object([]))]), ["class_name"]),
        (number(3), ["not an initializer reference", "number 3"]),
        (.null, ["null"]),
        (object([("module", .string("my_package.inits")), ("class_name", .string("MyInit")), ("config", object([]))]),
         ["my_package.inits.MyInit", "not supported yet"]),
        (object([("module", .string("keras.initializers")), ("class_name", .string("Scaled")),
                 ("registered_name", .string("custom>Scaled")), ("config", object([]))]), ["custom>Scaled"]),
        (keras3("STFTInitializer", []), ["STFTInitializer", "not supported yet"]),
    ]

    @Test("bad references throw a one-line error naming the thing", arguments: 0..<bad.count)
    func badReference(_ index: Int) {
        let (value, fragments) = Self.bad[index]
        do {
            let parsed = try Initializer.keras(value)
            Issue.record("parsed \(parsed)")
        } catch {
            let text = error.description
            #expect(!text.contains("\n"))
            for fragment in fragments {
                #expect(text.contains(fragment), "\"\(text)\" lacks \(fragment)")
            }
        }
    }

    @Test("suggestions come from edit distance, nearest first")
    func suggestions() {
        #expect(Suggestions.closest(to: "he_norml", among: Initializer.kerasNames).first == "he_normal")
        #expect(Suggestions.closest(to: "lecun_uniforn", among: Initializer.kerasNames).first == "lecun_uniform")
        #expect(Suggestions.closest(to: "qqqqqqqqqq", among: Initializer.kerasNames).isEmpty)
        #expect(Suggestions.editDistance(Array("kitten"), Array("sitting")) == 3)
    }
}
