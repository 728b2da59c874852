package dev.kiln.samples;

import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.runtime.data.TextCorpus;
import dev.kiln.runtime.tokenizer.ByteTokenizer;

import java.nio.file.Path;

/** Reference points a trained model must beat. */
final class Baselines {
    private Baselines() {}

    /** Held-out perplexity of an add-one-smoothed unigram model over byte-tokenizer ids, on the pipeline's split. */
    static double unigramPerplexity(Path corpus, double validationFraction, long seed) throws Exception {
        TextCorpus.Split split = TextCorpus.split(TextCorpus.read(corpus), validationFraction, seed);
        ByteTokenizer tok = new ByteTokenizer();
        double[] counts = new double[tok.vocabSize()];
        java.util.Arrays.fill(counts, 1);
        double total = counts.length;
        for (Example e : split.train().examples()) for (int id : tok.encode(e.text())) { counts[id]++; total++; }
        double nll = 0;
        long n = 0;
        Dataset val = split.validation();
        for (Example e : val.examples()) for (int id : tok.encode(e.text())) { nll -= Math.log(counts[id] / total); n++; }
        return Math.exp(nll / n);
    }
}
