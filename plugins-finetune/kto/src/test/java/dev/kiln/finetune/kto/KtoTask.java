package dev.kiln.finetune.kto;

import dev.kiln.api.autograd.GradMode;
import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.completion.CompletionLogProbs;
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
import dev.kiln.api.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * dpo's generated preference task, unpaired for KTO: the prompt is three letters of a..h; a
 * desirable completion is the letter after the last one (h wraps to a), an undesirable one any
 * other letter; each row is one or the other at random. Held out, the same prompts come as pairs
 * (desirable, undesirable) and {@link #preferenceShare} counts how often the policy gives the
 * desirable completion the higher log-probability.
 */
final class KtoTask {
    static final List<String> LETTERS = List.of("a", "b", "c", "d", "e", "f", "g", "h");
    static final WordTokenizer TOKENIZER = new WordTokenizer(LETTERS);
    static final NaiveBackend BE = new NaiveBackend();
    static final TransformerConfig MODEL = TransformerConfig.gpt2(TOKENIZER.vocabSize(), 32, 2, 4, 16).toBuilder().dropout(0f).build();

    /** A held-out prompt with one desirable and one undesirable completion. */
    record Pair(String prompt, String desirable, String undesirable) {}

    private KtoTask() {}

    static List<Pair> pairs(int n, long seed) {
        Random rng = new Random(seed);
        List<Pair> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<String> prompt = new ArrayList<>();
            for (int k = 0; k < 3; k++) prompt.add(LETTERS.get(rng.nextInt(LETTERS.size())));
            int next = (LETTERS.indexOf(prompt.get(2)) + 1) % LETTERS.size();
            int wrong = (next + 1 + rng.nextInt(LETTERS.size() - 1)) % LETTERS.size();
            out.add(new Pair(String.join(" ", prompt), LETTERS.get(next), LETTERS.get(wrong)));
        }
        return out;
    }

    /** Unpaired rows: each pair gives its desirable or its undesirable completion, at random. */
    static Dataset unpaired(String name, List<Pair> pairs, long seed) {
        Random rng = new Random(seed);
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < pairs.size(); i++) {
            Pair p = pairs.get(i);
            boolean good = rng.nextBoolean();
            out.add(new Example(Map.of("prompt", p.prompt(), "completion", good ? p.desirable() : p.undesirable(), "label", good),
                    name + ":" + (i + 1), null));
        }
        return new Dataset(name, out);
    }

    static KtoObjective kto(Map<String, Object> config) {
        return (KtoObjective) new KtoFineTunerFactory().objective(new Config("finetune.signal", config), new ObjectiveContext(TOKENIZER, BE, MODEL, 1));
    }

    /** log π(completion + EOS | prompt) under a model, computed here without the plugin's batching. */
    static float logProb(Transformer m, String prompt, String completion) {
        int[] p = TOKENIZER.encode(prompt), c = TOKENIZER.encode(completion);
        int n = p.length + c.length + 1;
        int[] ids = new int[n], trained = new int[n];
        System.arraycopy(p, 0, ids, 0, p.length);
        System.arraycopy(c, 0, ids, p.length, c.length);
        ids[n - 1] = TOKENIZER.requireSpecial(Tokenizer.EOS);
        for (int t = p.length; t < n; t++) trained[t] = 1;
        IntTensor in = new IntTensor(ids, 1, n);
        try (var g = GradMode.noGrad()) {
            return CompletionLogProbs.of(m.logits(m.forward(ModelInput.of(in))), in, new IntTensor(trained, 1, n)).sums().item();
        }
    }

    /** [share of pairs whose desirable completion is more likely, mean log-prob margin desirable − undesirable]. */
    static double[] preferenceShare(Transformer m, List<Pair> pairs) {
        boolean training = m.isTraining();
        m.train(false);
        int wins = 0;
        double margin = 0;
        for (Pair p : pairs) {
            double d = logProb(m, p.prompt(), p.desirable()) - logProb(m, p.prompt(), p.undesirable());
            if (d > 0) wins++;
            margin += d;
        }
        m.train(training);
        return new double[] {(double) wins / pairs.size(), margin / pairs.size()};
    }

    /** Logits of a fixed input under a reference (for bit-identity checks). */
    static float[] referenceLogits(ReferencePolicy ref) {
        IntTensor ids = new IntTensor(new int[] {6, 7, 8, 9, 10, 11, 12, 13, 6, 8, 10, 12}, 2, 6);
        return ref.apply(m -> m.logits(m.forward(ModelInput.of(ids))).toArray());
    }
}
