package dev.kiln.finetune.reward;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.config.Config;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.testing.WordTokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * dpo's generated preference task, for a reward model: the prompt is three letters of a..h, the
 * chosen completion is the letter after the last one (h wraps to a), the rejected one any other
 * letter. Telling them apart needs the pair (last prompt letter, completion letter), not either alone.
 */
final class RewardTask {
    static final List<String> LETTERS = List.of("a", "b", "c", "d", "e", "f", "g", "h");
    static final WordTokenizer TOKENIZER = new WordTokenizer(LETTERS);
    static final NaiveBackend BE = new NaiveBackend();
    static final TransformerConfig MODEL = TransformerConfig.gpt2(TOKENIZER.vocabSize(), 32, 2, 4, 16).toBuilder().dropout(0f).build();

    private RewardTask() {}

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

    static RewardObjective reward(Map<String, Object> config, long seed) {
        return (RewardObjective) new RewardFineTunerFactory().objective(new Config("finetune.signal", config),
                new ObjectiveContext(TOKENIZER, BE, MODEL, seed));
    }
}
