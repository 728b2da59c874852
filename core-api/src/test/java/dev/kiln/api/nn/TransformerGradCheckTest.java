package dev.kiln.api.nn;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.ops.GradCheck;
import dev.kiln.api.ops.Losses;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;

/**
 * Finite-difference check of a whole tiny model's loss w.r.t. a sample of its parameters, one
 * preset per run (GPT-2, BERT, LLaMA, Qwen3 with head_dim ≠ d_model / heads, qk_norm and llama3
 * rope scaling, Mistral with a sliding window). Init std 0.3 instead of 0.02 so the gradients are well
 * above the check's absolute tolerance.
 */
class TransformerGradCheckTest {
    private final Backend be = new NaiveBackend();

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gpt2", "bert", "llama", "qwen3", "mistral"})
    void lossGradientWrtParameters(String preset) {
        TransformerConfig base = switch (preset) {
            case "gpt2" -> TransformerConfig.gpt2(TinyModels.VOCAB, 8, 2, 2, 8);
            case "bert" -> TransformerConfig.bert(TinyModels.VOCAB, 8, 2, 2, 8);
            case "qwen3" -> TransformerConfig.llama(TinyModels.VOCAB, 8, 2, 4, 2, 12, 8).toBuilder()
                    .headDim(4).qkNorm(true).qkvBias(true).ropeScaling(RopeScaling.llama3(4f, 1f, 4f, 8)).build();
            case "mistral" -> TransformerConfig.llama(TinyModels.VOCAB, 8, 2, 4, 2, 12, 8).toBuilder().slidingWindow(2).build();
            default -> TransformerConfig.llama(TinyModels.VOCAB, 8, 2, 4, 2, 12, 8);
        };
        Transformer model = new Transformer(be, TinyModels.with(base, 0f, false, 0.3f), 9);
        model.train(false);
        IntTensor ids = TinyModels.ids(31, 2, 5), targets = TinyModels.ids(32, 2, 5);
        IntTensor mask = new IntTensor(new int[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 0}, 2, 5);
        Map<String, Tensor> p = model.namedParameters();
        Tensor[] wrt = switch (preset) {
            case "gpt2" -> new Tensor[] {p.get("embed.tokens.weight"), p.get("embed.positions.weight"),
                    p.get("blocks.0.attn.qkv.weight"), p.get("blocks.1.mlp.up.bias"), p.get("norm_f.weight")};
            case "bert" -> new Tensor[] {p.get("embed.types.weight"), p.get("embed.norm.bias"),
                    p.get("blocks.0.attn.out.weight"), p.get("blocks.1.norm2.weight")};
            case "qwen3" -> new Tensor[] {p.get("blocks.0.attn.qkv.weight"), p.get("blocks.0.attn.qkv.bias"),
                    p.get("blocks.0.attn.q_norm.weight"), p.get("blocks.1.attn.k_norm.weight"), p.get("blocks.1.attn.out.weight")};
            default -> new Tensor[] {p.get("blocks.0.attn.qkv.weight"), p.get("blocks.0.mlp.gate.weight"),
                    p.get("blocks.1.norm1.weight"), p.get("lm_head.weight")};
        };
        GradCheck.defaults().sample(40).check(preset + " loss", () -> {
            Tensor h = model.forward(ModelInput.of(ids).withAttentionMask(mask));
            return Losses.crossEntropy(model.logits(h), targets);
        }, wrt);
    }
}
