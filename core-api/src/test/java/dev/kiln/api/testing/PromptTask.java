package dev.kiln.api.testing;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.UnaryOp;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.objective.ReferencePolicy;
import dev.kiln.api.reward.RewardContext;
import dev.kiln.api.reward.RewardFunctionFactory;
import dev.kiln.api.reward.RewardFunctions;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.api.tokenizer.Tokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A generated prompt-only task for online-RL "does it learn" tests: prompts are three letters of
 * a..h, and a reward plugin decides what a good completion is. A tiny random causal LM over the 14
 * ids (6 specials + 8 letters) starts with no preference. Shipped in the test-jar.
 */
public final class PromptTask {
    public static final List<String> LETTERS = List.of("a", "b", "c", "d", "e", "f", "g", "h");
    public static final WordTokenizer TOKENIZER = new WordTokenizer(LETTERS);
    public static final Backend BE = new NaiveBackend();
    public static final TransformerConfig MODEL = TransformerConfig.gpt2(TOKENIZER.vocabSize(), 32, 2, 4, 16).toBuilder().dropout(0f).build();

    private PromptTask() {}

    /**
     * Moves a policy far from where it was, in place: its token embeddings, which the tied LM head shares, times −3. A
     * rollout sampled after this differs from one sampled before (tests of a kept rollout's reuse check it).
     */
    public static void movePolicy(Transformer net) {
        Tensor wte = net.tokenEmbeddings();
        net.backend().unary(UnaryOp.SCALE, wte.storage(), wte.storage(), wte.shape().size(), -3f);
    }

    /** n prompt-only rows {@code {prompt: "c f b"}}. */
    public static Dataset prompts(String name, int n, long seed) {
        Random rng = new Random(seed);
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<String> p = new ArrayList<>();
            for (int k = 0; k < 3; k++) p.add(LETTERS.get(rng.nextInt(LETTERS.size())));
            out.add(new Example(Map.of("prompt", String.join(" ", p)), name + ":" + (i + 1), null));
        }
        return new Dataset(name, out);
    }

    /** A context whose reward functions are these factories by name (no model loading, paths against the working folder). */
    public static ObjectiveContext context(Map<String, ? extends RewardFunctionFactory> factories) {
        return new ObjectiveContext(TOKENIZER, BE, MODEL, 1, null, RewardFunctions.of(factories, rewardContext(TOKENIZER, BE)));
    }

    /** {@code c} with reward functions over these factories (a contract test's context, which has none). */
    public static ObjectiveContext withRewards(ObjectiveContext c, Map<String, ? extends RewardFunctionFactory> factories) {
        return new ObjectiveContext(c.tokenizer(), c.backend(), c.model(), c.seed(), c.chatTemplate(),
                RewardFunctions.of(factories, rewardContext(c.tokenizer(), c.backend())));
    }

    /**
     * An online-RL signal seen as an {@link dev.kiln.api.objective.ObjectiveFactory} for the objective
     * contract: its context gets these reward factories, and, when the objective asks for one, a frozen
     * reference (a copy of the contract's model shape, seed 11), as the pipeline would give it.
     */
    public static dev.kiln.api.objective.ObjectiveFactory contractFactory(dev.kiln.api.finetune.FineTunerFactory signal,
                                                                          Map<String, ? extends RewardFunctionFactory> rewards) {
        return new dev.kiln.api.objective.ObjectiveFactory() {
            @Override public String name() { return signal.name(); }

            @Override public String apiVersion() { return signal.apiVersion(); }

            @Override
            public dev.kiln.api.objective.Objective create(dev.kiln.api.config.Config config, ObjectiveContext c) {
                dev.kiln.api.objective.Objective o = signal.create(config, withRewards(c, rewards)).signal();
                if (o.needsReference())
                    o.useReference(ReferencePolicy.frozen(new dev.kiln.api.nn.Transformer(c.backend(), c.model(), 11), "the contract model"));
                return o;
            }
        };
    }

    /** Twelve short prompt-only rows ({@code {prompt: "qa"}} ...) for contract tests over the byte tokenizer. */
    public static Dataset contractPrompts() {
        List<Example> rows = new ArrayList<>();
        for (int i = 0; i < 12; i++) rows.add(new Example(Map.of("prompt", "q" + (char) ('a' + i)), "sample:" + (i + 1), null));
        return new Dataset("sample", rows);
    }

    /** A reward context for tests: loading a model is refused. */
    public static RewardContext rewardContext(Tokenizer tokenizer, Backend backend) {
        return new RewardContext() {
            @Override public Tokenizer tokenizer() { return tokenizer; }

            @Override public Backend backend() { return backend; }

            @Override public Path resolve(String path) { return Path.of(path); }

            @Override public SavedModel loadModel(Path dir) { throw new UnsupportedOperationException("tests load no reward model (" + dir + ")"); }
        };
    }

    /** Logits of a fixed input under a reference (for bit-identity checks). */
    public static float[] referenceLogits(ReferencePolicy ref) {
        IntTensor ids = new IntTensor(new int[] {6, 7, 8, 9, 10, 11, 12, 13, 6, 8, 10, 12}, 2, 6);
        return ref.apply(m -> m.logits(m.forward(ModelInput.of(ids))).toArray());
    }
}
