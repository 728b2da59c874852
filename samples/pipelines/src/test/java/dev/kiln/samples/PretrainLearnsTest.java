package dev.kiln.samples;

import dev.kiln.runtime.pipeline.PipelineResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's pipeline, shrunk: a byte-level GPT must beat a unigram byte model on held-out text. */
class PretrainLearnsTest {

    @Test
    void heldOutPerplexityBeatsTheUnigramBaseline(@TempDir Path out) throws Exception {
        PipelineResult r = Runs.pretrain("gpt-stories.yaml", Runs.tiny("train.steps=150", "train.eval_every=150", "train.lr=0.003"), out);
        double before = r.initialEval().get("perplexity"), after = r.finalEval().get("perplexity");
        double unigram = Baselines.unigramPerplexity(Runs.CONFIGS.resolve("../corpus/kiln-stories.txt").normalize(), 0.05, 1234);
        System.out.printf("held-out perplexity %.2f -> %.2f (unigram byte baseline %.2f)%n", before, after, unigram);
        assertTrue(before > 200, "an untrained model is near uniform over 262 ids, got " + before);
        assertTrue(after < 0.6 * unigram, "after 150 steps perplexity " + after + " should beat the unigram baseline " + unigram + " by 40%");
        assertTrue(Files.isRegularFile(r.modelDir().resolve("model.safetensors")));
        assertTrue(Files.readString(out.resolve("metrics.jsonl")).contains("\"type\":\"eval\""));
    }
}
