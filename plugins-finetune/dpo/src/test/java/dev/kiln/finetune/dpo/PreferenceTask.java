package dev.kiln.finetune.dpo;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.config.Config;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.objective.ReferencePolicy;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.testing.WordTokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A generated preference task: the prompt is three letters of a..h, the chosen completion is the
 * letter after the last one (h wraps to a), the rejected completion any other letter. A random
 * tiny causal LM has no preference; a policy that learned the rule prefers every held-out pair.
 */
final class PreferenceTask {
    static final List<String> LETTERS = List.of("a", "b", "c", "d", "e", "f", "g", "h");
    static final WordTokenizer TOKENIZER = new WordTokenizer(LETTERS);
    static final NaiveBackend BE = new NaiveBackend();
    static final TransformerConfig MODEL = TransformerConfig.gpt2(TOKENIZER.vocabSize(), 32, 2, 4, 16).toBuilder().dropout(0f).build();

    private PreferenceTask() {}

    static Dataset data(String name, int n, long seed) {
        Random rng = new Random(seed);
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<String> prompt = new ArrayList<>();
            for (int k = 0; k < 3; k++) prompt.add(LETTERS.get(rng.nextInt(LETTERS.size())));
            int next = (LETTERS.indexOf(prompt.get(2)) + 1) % LETTERS.size();
            int wrong = (next + 1 + rng.nextInt(LETTERS.size() - 1)) % LETTERS.size();
            out.add(new Example(Map.of("prompt", String.join(" ", prompt), "chosen", LETTERS.get(next), "rejected", LETTERS.get(wrong)),
                    name + ":" + (i + 1), null));
        }
        return new Dataset(name, out);
    }

    static DpoObjective dpo(Map<String, Object> config) {
        return (DpoObjective) new DpoFineTunerFactory().objective(new Config("finetune.signal", config),
                new ObjectiveContext(TOKENIZER, BE, MODEL, 1));
    }

    /** As a pretrained backbone would be for an adapter: a wider init (std 0.1) gives the low-rank update healthy activations to act on. */
    static final TransformerConfig WIDE_INIT = MODEL.toBuilder().initStd(0.1f).build();

    static Transformer model(long seed) {
        return new Transformer(BE, MODEL, seed);
    }

    /** Logits of a fixed input under a reference (for bit-identity checks). */
    static float[] referenceLogits(ReferencePolicy ref) {
        IntTensor ids = new IntTensor(new int[] {6, 7, 8, 9, 10, 11, 12, 13, 6, 8, 10, 12}, 2, 6);
        return ref.apply(m -> m.logits(m.forward(ModelInput.of(ids))).toArray());
    }
}
