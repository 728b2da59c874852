package dev.kiln.objective.mmlm;

import dev.kiln.api.testing.TinyTraining;
import dev.kiln.api.testing.WordTokenizer;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.config.Config;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.nn.Transformer;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.backend.NaiveBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Does it use the image? Captions "two red circle" describe generated PNGs; every caption word
 * (count, colour, shape) is independent of the others, so a masked word can only be recovered
 * from the picture. Held-out pictures (new random layouts) are scored twice with the same masks:
 * with their true images and with every image replaced by a blank one. The gap is the figure.
 */
class MmlmLearningTest {
    static final int SIZE = 12;

    static Dataset captions(Path dir, String prefix, int perCombo, long seed, boolean blank) throws Exception {
        Random rng = new Random(seed);
        if (blank) Media.blank(dir.resolve("blank.png"), SIZE);
        List<Example> out = new ArrayList<>();
        int i = 0;
        for (int rep = 0; rep < perCombo; rep++)
            for (int count = 0; count < 3; count++)
                for (int colour = 0; colour < 4; colour++)
                    for (int shape = 0; shape < 3; shape++, i++) {
                        String name = prefix + i + ".png";
                        if (!blank) Media.shapes(dir.resolve(name), SIZE, count + 1, colour, shape, rng);
                        String text = Media.COUNTS[count] + " " + Media.COLOURS[colour] + " " + Media.SHAPES[shape];
                        out.add(new Example(Map.of("text", text, "image", blank ? "blank.png" : name), prefix + ".jsonl:" + (i + 1), dir));
                    }
        return new Dataset(prefix, out);
    }

    @Test
    void maskedWordsAreRecoveredFromTheImageNotFromTheBlank(@TempDir Path dir) throws Exception {
        long t0 = System.nanoTime();
        List<String> words = new ArrayList<>(List.of(Media.COUNTS));
        words.addAll(List.of(Media.COLOURS));
        words.addAll(List.of(Media.SHAPES));
        WordTokenizer tok = new WordTokenizer(words);
        Backend be = new NaiveBackend();   // the oracle: bit-reproducible, so this margin test cannot flake on reduction order
        TransformerConfig mc = TinyTraining.encoder(tok.vocabSize(), 48, 2, 2, 16, 0f);
        Map<String, Object> cfg = Map.of("image_size", SIZE, "patch_size", 6, "mask_prob", 0.6);
        Objective o = new MmlmObjectiveFactory().create(new Config("objective 'mmlm'", cfg), new ObjectiveContext(tok, be, mc, 7));
        Transformer model = new Transformer(be, mc, 7);
        BatchSpec spec = new BatchSpec(32, 5);
        Dataset train = captions(dir, "train", 20, 1, false);
        Dataset held = captions(dir, "held", 4, 2, false), heldBlank = captions(dir, "held", 4, 2, true);
        List<Batch> batches = new ArrayList<>();
        for (int epoch = 0; epoch < 12; epoch++) batches.addAll(o.prepare(train, spec, 100 + epoch));
        TinyTraining.train(model, o, batches, Integer.getInteger("mmlm.steps", 300), Double.parseDouble(System.getProperty("mmlm.lr", "6e-3")));
        List<Batch> withImages = new ArrayList<>(), blank = new ArrayList<>();
        for (long seed = 900; seed < 903; seed++) {
            withImages.addAll(o.prepare(held, spec, seed));
            blank.addAll(o.prepare(heldBlank, spec, seed));
        }
        double acc = TinyTraining.evaluate(model, o, withImages).get("accuracy");
        double accBlank = TinyTraining.evaluate(model, o, blank).get("accuracy");
        System.out.printf("mmlm learning: %d train / %d held-out image-caption pairs; held-out masked-word accuracy %.3f with images, %.3f with blank images: gap %.3f, %.1f s%n",
                train.size(), held.size(), acc, accBlank, acc - accBlank, (System.nanoTime() - t0) / 1e9);
        assertTrue(acc > 0.55 && acc > accBlank + 0.25, "accuracy with images " + acc + " does not clearly beat blank images " + accBlank);
    }
}
