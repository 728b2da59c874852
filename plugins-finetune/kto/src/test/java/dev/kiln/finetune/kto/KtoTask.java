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
import dev.kiln.api.testing.NextLetterTask;
import dev.kiln.api.testing.NextLetterTask.Pair;
import dev.kiln.api.testing.WordTokenizer;
import dev.kiln.api.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The shared generated preference task ({@link NextLetterTask}) unpaired for KTO: each row is a
 * prompt with its desirable (the next letter) or an undesirable completion, at random. Held out, the
 * same prompts come as pairs and {@link #preferenceShare} counts how often the policy gives the
 * desirable completion the higher log-probability.
 */
final class KtoTask {
    static final WordTokenizer TOKENIZER = NextLetterTask.TOKENIZER;
    static final NaiveBackend BE = new NaiveBackend();
    static final TransformerConfig MODEL = NextLetterTask.MODEL;

    private KtoTask() {}

    static List<Pair> pairs(int n, long seed) { return NextLetterTask.pairs(n, seed); }

    /** Unpaired rows: each pair gives its desirable or its undesirable completion, at random. */
    static Dataset unpaired(String name, List<Pair> pairs, long seed) {
        Random rng = new Random(seed);
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < pairs.size(); i++) {
            Pair p = pairs.get(i);
            boolean good = rng.nextBoolean();
            out.add(new Example(Map.of("prompt", p.prompt(), "completion", good ? p.chosen() : p.rejected(), "label", good),
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
            double d = logProb(m, p.prompt(), p.chosen()) - logProb(m, p.prompt(), p.rejected());
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
