package dev.kiln.finetune.dpo;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.config.Config;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.nn.ModelInput;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.objective.ReferencePolicy;
import dev.kiln.api.tensor.IntTensor;
import dev.kiln.api.testing.NextLetterTask;
import dev.kiln.api.testing.WordTokenizer;

import java.util.List;
import java.util.Map;

/**
 * The shared generated preference task ({@link NextLetterTask}: the chosen completion is the letter
 * after the prompt's last) with what the dpo tests build on it.
 */
final class PreferenceTask {
    static final List<String> LETTERS = NextLetterTask.LETTERS;
    static final WordTokenizer TOKENIZER = NextLetterTask.TOKENIZER;
    static final NaiveBackend BE = new NaiveBackend();
    static final TransformerConfig MODEL = NextLetterTask.MODEL;

    private PreferenceTask() {}

    static Dataset data(String name, int n, long seed) { return NextLetterTask.preferenceRows(name, n, seed); }

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
