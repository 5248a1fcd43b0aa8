import Foundation
import Testing
import CkptTestSupport
@testable import CkptKit

/// Hugging Face configs: the families' tensors, both config dialects, the profiles and rules on
/// HF names, and one clear error for each kind of bad config.
@Suite("Hugging Face configs")
struct HFConfigTests {
    static let hubConfigs = ["Llama-3.2-1B.json", "Qwen2.5-0.5B.json", "Mistral-7B-v0.1.json", "gpt2.json", "bert-base-uncased.json", "t5-small.json", "vit-base-patch16-224-in21k.json"]
    static let tinyConfigs = ["llama", "llama_biases", "mistral", "mixtral", "qwen2", "qwen3", "qwen3_moe", "gemma", "gemma2", "phi3", "gpt2", "bert", "roberta", "t5", "t5_v1_1", "vit"]

    static func model(_ text: String) throws(HFConfigError) -> HFModel {
        guard let json = try? JSONParser.parse(text) else { throw HFConfigError("test: malformed JSON") }
        return try HFFamilies.model(json: json, file: "config.json")
    }

    static func plan(_ text: String, options: PlanOptions = PlanOptions()) throws -> Plan {
        try HFPlanner(options: options, file: "config.json").plan(model(text))
    }

    static func message(_ body: () throws -> Void) -> String {
        do {
            try body()
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    static let llama = #"{"model_type": "llama", "vocab_size": 128, "hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2"#

    /// The Hub's configs plan to exactly the tensors and parameters transformers builds
    /// (Fixtures/huggingface/parameter_counts.json, made by make_parameter_counts.py).
    @Test(arguments: hubConfigs)
    func hubConfigCountsAsTransformers(name: String) throws {
        let counts = try JSONParser.parse(String(contentsOfFile: TestPaths.fixture("huggingface/parameter_counts.json"), encoding: .utf8))
        let expected = try #require(counts["models"]?[name])
        let plan = try Checkpoints.plan(specPath: TestPaths.fixture("huggingface/hub/\(name)"))
        #expect(plan.parameterCount == expected["parameters"]?.int, "\(name)")
        #expect(plan.entries.count == expected["tensors"]?.int, "\(name)")
    }

    @Test func hubConfigDTypeIsTheConfigs() throws {
        let plan = try Checkpoints.plan(specPath: TestPaths.fixture("huggingface/hub/Llama-3.2-1B.json"))
        #expect(plan.entries.allSatisfy { $0.dtype == .bfloat16 })
        #expect(!plan.entries.contains { $0.name == "lm_head.weight" }, "tied: lm_head is not saved")
        let forced = try Checkpoints.plan(specPath: TestPaths.fixture("huggingface/hub/Llama-3.2-1B.json"), options: PlanOptions(dtype: .float16))
        #expect(forced.entries.allSatisfy { $0.dtype == .float16 })
    }

    @Test(arguments: tinyConfigs)
    func tinyConfigPlans(name: String) throws {
        let plan = try Checkpoints.plan(specPath: TestPaths.fixture("huggingface/tiny/\(name).json"))
        #expect(!plan.entries.isEmpty)
        #expect(Set(plan.entries.map(\.name)).count == plan.entries.count)
    }

    /// transformers 4 (`torch_dtype`, `rope_theta`, `rope_scaling`) and 5 (`dtype`,
    /// `rope_parameters`) configs of one model give one plan.
    @Test func bothDialectsGiveOnePlan() throws {
        let v4 = try Self.plan(Self.llama + #", "torch_dtype": "bfloat16", "rope_theta": 500000.0, "rope_scaling": {"rope_type": "llama3", "factor": 32.0}}"#)
        let v5 = try Self.plan(Self.llama + #", "dtype": "bfloat16", "rope_parameters": {"rope_type": "llama3", "rope_theta": 500000.0, "factor": 32.0}}"#)
        #expect(v4.entries.map(\.info) == v5.entries.map(\.info))
        #expect(v4.entries.allSatisfy { $0.dtype == .bfloat16 })
    }

    @Test func fieldsThatChangeTensorsAreRead() throws {
        let plain = try Self.model(Self.llama + "}")
        let names = Set(plain.tensors.map(\.name))
        #expect(names.contains("lm_head.weight") && !names.contains("model.layers.0.self_attn.q_proj.bias"))
        let q = try #require(plain.tensors.first { $0.name == "model.layers.0.self_attn.k_proj.weight" })
        #expect(q.shape == [32, 64])  // 2 kv heads × head_dim 16, hidden 64
        let changed = try Self.model(Self.llama + #", "head_dim": 32, "attention_bias": true, "mlp_bias": true, "tie_word_embeddings": true}"#)
        let byName = Dictionary(changed.tensors.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(byName["model.layers.0.self_attn.q_proj.weight"]?.shape == [128, 64])
        #expect(byName["model.layers.0.self_attn.o_proj.weight"]?.shape == [64, 128])
        #expect(byName["model.layers.0.self_attn.o_proj.bias"] != nil && byName["model.layers.0.mlp.down_proj.bias"] != nil)
        #expect(byName["lm_head.weight"] == nil)
    }

    @Test func familyInitIsTransformers() throws {
        let gpt2 = try Self.plan(#"{"model_type": "gpt2", "vocab_size": 100, "n_embd": 32, "n_layer": 3, "n_head": 4, "n_positions": 16}"#)
        let proj = try #require(gpt2.entries.first { $0.name == "transformer.h.0.attn.c_proj.weight" })
        #expect(proj.fill == .elementwise(.normal(mean: 0, std: 0.02 / 6.0.squareRoot())))
        #expect(gpt2.entries.first { $0.name == "transformer.h.0.attn.c_attn.weight" }?.shape == [32, 96], "Conv1D is [in, out]")
        let gemma = try Self.plan(#"{"model_type": "gemma", "vocab_size": 100, "hidden_size": 32, "intermediate_size": 48, "num_hidden_layers": 1, "num_attention_heads": 2, "head_dim": 16}"#)
        #expect(gemma.entries.filter { $0.role == .gamma }.allSatisfy { $0.fill == .elementwise(.constant(0)) }, "Gemma stores 1 + w")
        #expect(gemma.entries.first?.zeroRows == [0], "GemmaConfig's pad_token_id 0 is the padding row")
        let llama = try Self.plan(Self.llama + "}")
        #expect(llama.entries.first?.zeroRows == [], "Llama has no pad_token_id")
        #expect(llama.entries.filter { $0.role == .gamma }.allSatisfy { $0.fill == .elementwise(.constant(1)) })
    }

    /// MoE blocks use the Hub's per-expert names (what transformers 5's save_pretrained writes);
    /// Qwen3-MoE's `mlp_only_layers` and `decoder_sparse_step` pick the dense layers.
    @Test func mixturesOfExpertsUseTheHubNames() throws {
        let mixtral = try Checkpoints.plan(specPath: TestPaths.fixture("huggingface/tiny/mixtral.json"))
        let names = Set(mixtral.entries.map(\.name))
        #expect(names.contains("model.layers.1.block_sparse_moe.experts.3.w2.weight"))
        #expect(mixtral.entries.first { $0.name == "model.layers.0.block_sparse_moe.gate.weight" }?.shape == [4, 64])
        #expect(!names.contains { $0.contains("mlp.") })
        let qwen = try Checkpoints.plan(specPath: TestPaths.fixture("huggingface/tiny/qwen3_moe.json"))
        let byName = Dictionary(qwen.entries.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(byName["model.layers.0.mlp.experts.3.down_proj.weight"]?.shape == [64, 32])
        #expect(byName["model.layers.1.mlp.down_proj.weight"]?.shape == [64, 96], "layer 1 is in mlp_only_layers")
        #expect(byName["model.layers.1.mlp.gate.weight"] == nil && byName["model.layers.2.mlp.gate.weight"]?.shape == [4, 64])
        let step = try Self.plan(#"{"model_type": "qwen3_moe", "vocab_size": 16, "hidden_size": 8, "intermediate_size": 12, "num_hidden_layers": 4, "num_attention_heads": 2, "head_dim": 4, "num_experts": 2, "moe_intermediate_size": 4, "decoder_sparse_step": 2}"#)
        #expect(step.entries.filter { $0.name.hasSuffix("mlp.gate.weight") }.map(\.name) == ["model.layers.1.mlp.gate.weight", "model.layers.3.mlp.gate.weight"])
    }

    /// T5's per-module factors (f = 1, d_model 64, d_kv 16, heads 4, d_ff 128) and ViT's truncated normals.
    @Test func t5AndViTInit() throws {
        let t5 = try Checkpoints.plan(specPath: TestPaths.fixture("huggingface/tiny/t5.json"))
        let std = Dictionary(t5.entries.map { ($0.name, $0.fill.expectedMoments(shape: $0.shape)?.std ?? -1) }, uniquingKeysWith: { a, _ in a })
        #expect(std["shared.weight"] == 1)
        #expect(abs((std["encoder.block.0.layer.0.SelfAttention.q.weight"] ?? 0) - 1 / 32) < 1e-12)
        #expect(std["encoder.block.0.layer.0.SelfAttention.k.weight"] == 0.125)
        #expect(std["decoder.block.0.layer.1.EncDecAttention.o.weight"] == 0.125)
        #expect(abs((std["encoder.block.1.layer.1.DenseReluDense.wo.weight"] ?? 0) - 1 / 128.0.squareRoot()) < 1e-12)
        #expect(std["encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight"] == 0.125)
        #expect(std["encoder.block.1.layer.0.SelfAttention.relative_attention_bias.weight"] == nil, "only block 0")
        #expect(std["lm_head.weight"] == nil, "transformers 5 always ties T5's lm_head")
        let vit = try Checkpoints.plan(specPath: TestPaths.fixture("huggingface/tiny/vit.json"))
        #expect(vit.entries.first { $0.name == "classifier.weight" }?.shape == [3, 64], "3 labels in id2label")
        #expect(vit.entries.first { $0.name == "vit.embeddings.position_embeddings" }?.shape == [1, 17, 64])
        #expect(vit.entries.first { $0.name == "vit.embeddings.patch_embeddings.projection.weight" }?.fill
            == .elementwise(.truncatedNormal(mean: 0, std: 0.02, low: -2, high: 2)))
    }

    @Test func vllmDummyIsUniformEverywhere() throws {
        let plan = try Self.plan(Self.llama + #", "pad_token_id": 0}"#, options: PlanOptions(profile: .vllmDummy))
        #expect(plan.entries.allSatisfy { $0.fill == .elementwise(.uniform(low: -1e-3, high: 1e-3)) && $0.zeroRows.isEmpty })
    }

    @Test func rulesMatchHuggingFaceNames() throws {
        let rules = try RuleSet.load(file: nil, rules: ["model.layers.*.mlp.down_proj.weight=normal_:std=0.002", "*norm*=zeros"])
        let plan = try Self.plan(Self.llama + "}", options: PlanOptions(rules: rules))
        for entry in plan.entries {
            if entry.name.hasSuffix("mlp.down_proj.weight") {
                #expect(entry.fill == .elementwise(.normal(mean: 0, std: 0.002)), "\(entry.name)")
            } else if entry.name.contains("norm") {
                #expect(entry.fill == .elementwise(.constant(0)), "\(entry.name)")
            } else {
                #expect(entry.fill == .elementwise(.normal(mean: 0, std: 0.02)), "\(entry.name)")
            }
        }
        let unused = try RuleSet.load(file: nil, rules: ["nothing.*=zeros"])
        #expect(try Self.plan(Self.llama + "}", options: PlanOptions(rules: unused)).warnings.count == 1)
    }

    @Test func profilesBelongToTheirKindOfModel() throws {
        #expect(Self.message { _ = try Self.plan(Self.llama + "}", options: PlanOptions(profile: .torch)) }.contains("--profile torch is for Keras models"))
        #expect(Self.message {
            _ = try Checkpoints.plan(specPath: TestPaths.fixture("keras/mlp.json"), options: PlanOptions(profile: .hf))
        }.contains("--profile hf is for Hugging Face config.json files"))
    }

    static let badConfigs: [(String, String)] = [
        (#"{"model_type": "mamba", "vocab_size": 10}"#, "model_type \"mamba\" is not one ckpt knows"),
        (#"{"architectures": ["LlamaForCausalLM"]}"#, "\"model_type\" is missing"),
        (llama + #", "num_experts": 8}"#, "field \"num_experts\" is not understood"),
        (llama + #", "quantization_config": {"bits": 4}}"#, "field \"quantization_config\" is not understood"),
        (#"{"model_type": "llama", "vocab_size": 128, "hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 2, "num_attention_heads": 5}"#,
         "num_attention_heads (5) does not divide hidden_size (64)"),
        (#"{"model_type": "llama", "vocab_size": 128, "hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 3}"#,
         "num_key_value_heads (3) does not divide num_attention_heads (4)"),
        (#"{"model_type": "gpt2", "n_embd": 30, "n_head": 4}"#, "n_head (4) does not divide n_embd (30)"),
        (#"{"model_type": "llama", "hidden_size": 64}"#, "\"vocab_size\" is missing"),
        (#"{"model_type": "llama", "vocab_size": 128, "hidden_size": -3}"#, "\"hidden_size\" is -3"),
        (llama + #", "pad_token_id": 500}"#, "pad_token_id (500) is not below vocab_size (128)"),
        (llama + #", "torch_dtype": "int4"}"#, "\"torch_dtype\" is \"int4\""),
        (llama + #", "architectures": ["LlamaForSequenceClassification"]}"#, "architecture LlamaForSequenceClassification"),
    ]

    @Test(arguments: badConfigs)
    func badConfigIsOneClearError(text: String, expected: String) {
        let message = Self.message { _ = try Self.model(text) }
        #expect(message.contains(expected), "\(message)")
        #expect(message.hasPrefix("config.json: "), "\(message)")
    }

    @Test func unknownModelTypeListsTheKnownOnes() {
        let message = Self.message { _ = try Self.model(#"{"model_type": "lama"}"#) }
        for known in ["llama", "mistral", "qwen2", "qwen3", "gemma", "gemma2", "phi3", "gpt2", "bert", "roberta", "t5", "vit", "mixtral", "qwen3_moe"] {
            #expect(message.contains(known), "\(message)")
        }
    }

    @Test func recognizesByContent() throws {
        #expect(HFConfig.recognizes(try JSONParser.parse(Self.llama + "}")))
        #expect(HFConfig.recognizes(try JSONParser.parse(#"{"architectures": ["X"]}"#)))
        #expect(!HFConfig.recognizes(try JSONParser.parse(#"{"class_name": "Sequential", "config": {}}"#)))
        #expect(!HFConfig.recognizes(try JSONParser.parse(#"{"name": "m", "layers": []}"#)))
    }
}
