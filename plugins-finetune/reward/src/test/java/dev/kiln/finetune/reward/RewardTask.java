package dev.kiln.finetune.reward;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.config.Config;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.testing.NextLetterTask;
import dev.kiln.api.testing.WordTokenizer;

import java.util.Map;

/** The shared generated preference task ({@link NextLetterTask}) for a reward model, and the objective on it. */
final class RewardTask {
    static final WordTokenizer TOKENIZER = NextLetterTask.TOKENIZER;
    static final NaiveBackend BE = new NaiveBackend();
    static final TransformerConfig MODEL = NextLetterTask.MODEL;

    private RewardTask() {}

    static Dataset data(String name, int n, long seed) { return NextLetterTask.preferenceRows(name, n, seed); }

    static RewardObjective reward(Map<String, Object> config, long seed) {
        return (RewardObjective) new RewardFineTunerFactory().objective(new Config("finetune.signal", config),
                new ObjectiveContext(TOKENIZER, BE, MODEL, seed));
    }
}
