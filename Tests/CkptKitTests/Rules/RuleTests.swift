import Foundation
import Testing
import CkptTestSupport
@testable import CkptKit

/// Rules files and `--rule` flags: selectors, precedence, reasons, warnings and errors.
@Suite("Rules")
struct RuleTests {
    static func plan(_ fixture: String, file: String? = nil, rules: [String] = [], schemes: [String] = [],
                     profile: Profile? = nil) throws -> Plan {
        var set = RuleSet()
        if let file { set = try RuleSet.parse(text: file, path: "rules.json") }
        for text in schemes { set.schemes.append(try Scheme.parse(flag: text)) }
        for text in rules { set.flagRules.append(try RuleSet.parseFlag(text)) }
        return try Checkpoints.plan(specPath: TestPaths.fixture("keras/\(fixture).json"),
                                    options: PlanOptions(profile: profile, rules: set))
    }

    static func entry(_ plan: Plan, _ name: String) throws -> PlanEntry {
        try #require(plan.entries.first { $0.name == name }, "no tensor \(name)")
    }

    static func std(_ entry: PlanEntry) -> Double? { entry.fill.expectedMoments(shape: entry.shape)?.std }

    @Test("glob: * crosses /, ? is one character, [..] is a set", arguments: [
        ("head/*", "head/dense/kernel", true), ("*/bias", "block1/conv/bias", true), ("*/bias", "bias", false),
        ("conv?_block1_3_bn", "conv2_block1_3_bn", true), ("conv[2-3]_*", "conv4_block1", false),
        ("conv[!2]_*", "conv3_x", true), ("*kernel", "a/recurrent_kernel", true), ("a*b*c", "axxbyyc", true), ("a*b*c", "axxbyy", false),
    ])
    func glob(pattern: String, text: String, expected: Bool) {
        #expect(Glob(pattern).matches(text) == expected, "\(pattern) ~ \(text)")
    }

    @Test func flagRuleByNameGlobSetsInitializerAndReason() throws {
        let plan = try Self.plan("resnet_block", rules: ["classes/*=zeros"])
        for name in ["classes/kernel", "classes/bias"] {
            let entry = try Self.entry(plan, name)
            #expect(entry.initializer.name == "zeros" && Self.std(entry) == 0)
            #expect(entry.reason == "--rule 'classes/*=zeros'")
        }
        #expect(try Self.entry(plan, "stem/kernel").initializer.name == "he_uniform")
        #expect(plan.warnings.isEmpty)
    }

    @Test func recurrentKernelOrthogonalWithGain() throws {
        let plan = try Self.plan("rnn", rules: ["*/recurrent_kernel=orthogonal:gain=1.5"])
        let entries = plan.entries.filter { $0.role == .recurrentKernel }
        #expect(entries.count >= 4)
        for entry in entries {
            #expect(entry.reason == "--rule '*/recurrent_kernel=orthogonal:gain=1.5'", "\(entry.name)")
            #expect(entry.fill.summary.contains("gain=1.5"), "\(entry.name): \(entry.fill.summary)")
        }
    }

    @Test func selectorsRoleClassActivationPosition() throws {
        let file = """
        {"rules": [
          {"match": {"role": "bias"}, "initializer": "constant:value=0.1"},
          {"match": {"class": "Dense", "activation": "tanh"}, "initializer": "lecun_normal"},
          {"match": {"position": "first", "role": "kernel"}, "initializer": {"name": "random_normal", "stddev": 0.5}},
          {"match": {"position": "-1", "role": "kernel"}, "scale": 0.5}
        ]}
        """
        let plan = try Self.plan("mlp", file: file)
        #expect(try Self.entry(plan, "hidden1/bias").fill == .elementwise(.constant(0.1)))
        let hidden1 = try Self.entry(plan, "hidden1/kernel")
        #expect(Self.std(hidden1) == 0.5 && hidden1.reason.hasPrefix("rule 3 of rules.json: {\"position\":\"first\",\"role\":\"kernel\"} → random_normal"))
        let hidden2 = try Self.entry(plan, "hidden2/kernel")
        #expect(hidden2.initializer.name == "lecun_normal", "\(hidden2.reason)")
        #expect(hidden2.reason.hasPrefix("rule 2 of rules.json"))
        // A scale-only rule keeps the initializer below it and multiplies its std.
        let logits = try Self.entry(plan, "logits/kernel")
        let base = try Self.entry(try Self.plan("mlp"), "logits/kernel")
        #expect(logits.initializer.name == "glorot_uniform")
        #expect(abs(try #require(Self.std(logits)) - 0.5 * (try #require(Self.std(base)))) < 1e-15)
        #expect(logits.reason.contains("; rule 4 of rules.json"), "\(logits.reason)")
        #expect(logits.scale == 0.5)
    }

    @Test func movingStatisticsAndLayerGlob() throws {
        let file = #"{"rules": [{"match": {"layer": "conv2_block*_3_bn", "role": "moving_statistics"}, "initializer": "constant:value=2"}]}"#
        let plan = try Self.plan("resnet50", file: file)
        let hit = plan.entries.filter { $0.reason.hasPrefix("rule 1 of rules.json") }.map(\.name)
        #expect(hit.sorted() == ["conv2_block1_3_bn/moving_mean", "conv2_block1_3_bn/moving_variance", "conv2_block2_3_bn/moving_mean",
                                 "conv2_block2_3_bn/moving_variance", "conv2_block3_3_bn/moving_mean", "conv2_block3_3_bn/moving_variance"])
    }

    @Test func precedenceFileBelowFlagLaterWins() throws {
        let file = #"{"rules": [{"match": {"name": "*/kernel"}, "initializer": "ones"}, {"match": {"name": "hidden1/*"}, "initializer": "he_normal"}]}"#
        let plan = try Self.plan("mlp", file: file, rules: ["logits/kernel=orthogonal", "logits/kernel=zeros"])
        #expect(try Self.entry(plan, "hidden1/kernel").initializer.name == "he_normal")
        #expect(try Self.entry(plan, "hidden2/kernel").initializer.name == "ones")
        let logits = try Self.entry(plan, "logits/kernel")
        #expect(logits.initializer.name == "zeros" && logits.reason == "--rule 'logits/kernel=zeros'")
    }

    @Test func rulesAboveProfile() throws {
        let torch = try Self.plan("mlp", profile: .torch)
        #expect(try Self.entry(torch, "hidden1/bias").initializer.name != "zeros")
        let plan = try Self.plan("mlp", file: #"{"rules": [{"match": {"role": "bias"}, "initializer": "zeros"}]}"#, profile: .torch)
        #expect(try Self.entry(plan, "hidden1/bias").initializer.name == "zeros")
        // Kernels keep the profile's choice.
        #expect(try Self.entry(plan, "hidden1/kernel").reason == Self.entry(torch, "hidden1/kernel").reason)
    }

    @Test func ruleMatchingNothingWarnsNamingTheRule() throws {
        let plan = try Self.plan("mlp", file: #"{"rules": [{"match": {"name": "head/*"}, "initializer": "zeros"}]}"#, rules: ["nope/*=ones"])
        #expect(plan.warnings == [#"rule 1 of rules.json ("head/*") matches no tensor"#, "--rule 'nope/*=ones' matches no tensor"])
    }

    @Test("bad rules: one error naming the rule and where it is", arguments: [
        (#"{"rules": [{"match": {"name": "a"}, "initializer": "zeros"},\#n {"match": {"name": "b"}, "initializer": "zeroes"}]}"#,
         #"rules.json: rule 2 (rules[1], line 2): unknown initializer "zeroes""#),
        (#"{"rules": [{"match": {"role": "kernal"}, "initializer": "zeros"}]}"#,
         #"rules.json: rule 1 (rules[0], line 1): unknown role "kernal" (did you mean kernel?)"#),
        (#"{"rules": [{"match": {"nmae": "a"}, "initializer": "zeros"}]}"#, #"rules.json: rule 1 (rules[0], line 1): unknown selector "nmae""#),
        (#"{"rules": [{"match": {}}]}"#, #"rule 1 (rules[0], line 1): a rule needs "initializer", "scale" or both"#),
        (#"{"rules": [{"match": {"position": "middle"}, "scale": 2}]}"#, #"position "middle" is not first, last"#),
        (#"{"schemes": [{"name": "gpt3"}]}"#, #"rules.json: scheme 1 (schemes[0], line 1): unknown scheme "gpt3""#),
        (#"{"schemes": [{"name": "fixup", "depth": 3}]}"#, #"scheme fixup has no parameter "depth""#),
        (#"{"rulez": []}"#, #"rules.json: unknown key "rulez""#),
    ])
    func badRules(text: String, expected: String) {
        #expect {
            _ = try RuleSet.parse(text: text, path: "rules.json")
        } throws: { error in
            let message = "\(error)"
            return message.hasPrefix(expected) || message.contains(expected) ? !message.contains("\n") : false
        }
    }

    @Test func badFlags() {
        #expect(throws: RuleError.self) { try RuleSet.parseFlag("head/*") }
        do {
            _ = try RuleSet.parseFlag("head/*=zeroes")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.hasPrefix("--rule 'head/*=zeroes': unknown initializer \"zeroes\""), "\(error)")
        }
    }

    @Test func elementLinesFollowTheFile() {
        let text = "{\n \"x\": [1, 2],\n \"rules\": [\n  {\"a\": [1, {\"b\": 2}]},\n\n  {}, \"s\"\n ]\n}"
        #expect(RuleSet.elementLines(in: text, key: "rules") == [4, 6, 6])
    }

    @Test func customLayerFromTheRulesFile() throws {
        let set = try RuleSet.load(file: TestPaths.fixture("rules/custom_layer.json"))
        let plan = try Checkpoints.plan(specPath: TestPaths.fixture("rules/custom_model.json"), options: PlanOptions(rules: set))
        let w = try Self.entry(plan, "custom/w")
        #expect(w.shape == [256, 32] && w.initializer.name == "glorot_uniform" && w.kerasPath == "layers/scaled_dense/vars/0")
        #expect(try Self.entry(plan, "custom/b").initializer.name == "ones")
        let g = try Self.entry(plan, "custom/g")
        #expect(g.fill == .elementwise(.constant(0.5)) && !g.trainable)
        #expect(throws: ModelError.self) {
            try Checkpoints.plan(specPath: TestPaths.fixture("rules/custom_model.json"))
        }
    }

    @Test func recipeRecordsRulesAndScale() throws {
        let text = try String(contentsOfFile: TestPaths.fixture("rules/transformer.json"), encoding: .utf8)
        var set = try RuleSet.parse(text: text, path: "transformer.json")
        set.flagRules.append(try RuleSet.parseFlag("*/bias=zeros"))
        let options = PlanOptions(rules: set)
        let plan = try Checkpoints.plan(specPath: TestPaths.fixture("keras/attention.json"), options: options)
        let recipe = try JSONParser.parse(plan.recipe(seed: 1, options: options))
        #expect(recipe["rules"]?["file"]?.string == "transformer.json")
        #expect(recipe["rules"]?["file_content"]?["schemes"]?.array?.count == 1)
        #expect(recipe["rules"]?["rule_flags"]?.array == [.string("*/bias=zeros")])
        #expect(recipe["tensors"]?["ffn_down/kernel"]?["scale"]?.double == 0.5)
    }
}
