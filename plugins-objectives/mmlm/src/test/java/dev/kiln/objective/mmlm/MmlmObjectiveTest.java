package dev.kiln.objective.mmlm;

import dev.kiln.api.backend.NaiveBackend;
import dev.kiln.api.config.Config;
import dev.kiln.api.config.ConfigException;
import dev.kiln.api.data.Batch;
import dev.kiln.api.data.Dataset;
import dev.kiln.api.data.Example;
import dev.kiln.api.nn.TransformerConfig;
import dev.kiln.api.objective.BatchSpec;
import dev.kiln.api.objective.Objective;
import dev.kiln.api.objective.ObjectiveContext;
import dev.kiln.api.objective.ObjectiveFactory;
import dev.kiln.api.ops.Losses;
import dev.kiln.api.testing.TestTokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.ServiceLoader;

import static org.junit.jupiter.api.Assertions.*;

class MmlmObjectiveTest {
    static final TransformerConfig BERT = TransformerConfig.bert(TestTokenizers.BYTE_VOCAB, 16, 1, 2, 64);

    static Objective mmlm(Map<String, Object> cfg) {
        return new MmlmObjectiveFactory().create(new Config("objective 'mmlm'", cfg), new ObjectiveContext(TestTokenizers.bytes(), new NaiveBackend(), BERT, 1));
    }

    @Test
    void isDiscoveredByServiceLoader() {
        boolean found = false;
        for (ObjectiveFactory f : ServiceLoader.load(ObjectiveFactory.class)) found |= f.name().equals("mmlm");
        assertTrue(found);
    }

    @Test
    void maskingFollowsBert801010AndNeverTouchesSpecials() {
        int maskId = 1000;
        TextMasking m = new TextMasking(0.15, 0.8, 0.1, maskId, 1001, id -> id >= 900);
        int n = 200_000;
        int[] ids = new int[n], targets = new int[n];
        for (int i = 0; i < n; i++) ids[i] = i % 10 == 0 ? 950 : i % 900;
        int[] original = ids.clone();
        m.apply(ids, targets, 0, n, new Random(1));
        int selected = 0, masked = 0, same = 0, ordinary = 0;
        for (int i = 0; i < n; i++) {
            if (original[i] >= 900) { assertEquals(Losses.IGNORE, targets[i]); assertEquals(original[i], ids[i]); continue; }
            ordinary++;
            if (targets[i] == Losses.IGNORE) { assertEquals(original[i], ids[i]); continue; }
            assertEquals(original[i], targets[i]);
            selected++;
            if (ids[i] == maskId) masked++;
            else if (ids[i] == original[i]) same++;
            else assertTrue(ids[i] < 900, "a random replacement must be an ordinary token");
        }
        assertEquals(0.15, selected / (double) ordinary, 0.005);
        assertEquals(0.8, masked / (double) selected, 0.01);
        assertEquals(0.1, same / (double) selected, 0.01, "≈10% unchanged (plus the rare random draw of the same token)");
    }

    @Test
    void imagePatchesAreRowMajorWithChannelsLast() {
        BufferedImage img = new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 4; y++) for (int x = 0; x < 4; x++) img.setRGB(x, y, x < 2 && y < 2 ? 0xFF0000 : 0xFFFFFF);
        ImagePatches p = new ImagePatches(4, 2, false);
        float[] v = p.patches(img);
        assertEquals(4, p.count());
        assertEquals(12, p.dim());
        assertArrayEquals(new float[] {1, -1, -1}, java.util.Arrays.copyOfRange(v, 0, 3), 1e-6f, "top-left patch is red");
        assertArrayEquals(new float[] {1, 1, 1}, java.util.Arrays.copyOfRange(v, 12, 15), 1e-6f, "top-right patch is white");
    }

    @Test
    void wavToneRoundTripsThroughFraming(@TempDir Path dir) throws Exception {
        Path mono = dir.resolve("a440.wav"), stereo = dir.resolve("stereo.wav");
        Media.tone(mono, 8000, 1, 440, 1000, 0.5);
        Media.tone(stereo, 8000, 2, 440, 1000, 0.5);
        float[] s = AudioFrames.samples(mono, 8000);
        assertEquals(1000, s.length);
        for (int i = 0; i < s.length; i++) assertEquals(0.5 * Math.sin(2 * Math.PI * 440 * i / 8000), s[i], 1e-4);
        assertArrayEquals(s, AudioFrames.samples(stereo, 8000), 1e-6f, "stereo is averaged to mono");
        AudioFrames frames = new AudioFrames(200, 100, 64, 8000);
        float[] f = frames.read(mono);
        assertEquals(9 * 200, f.length, "1 + (1000 − 200) / 100 = 9 frames");
        assertArrayEquals(java.util.Arrays.copyOfRange(s, 300, 500), java.util.Arrays.copyOfRange(f, 3 * 200, 4 * 200), 0f);
        Exception e = assertThrows(Exception.class, () -> AudioFrames.samples(mono, 16000));
        assertTrue(e.getMessage().contains("sample_rate"), e.getMessage());
    }

    @Test
    void batchJoinsMaskedTextWithFeaturesResolvedAgainstTheJsonlFolder(@TempDir Path dir) throws Exception {
        Media.tone(dir.resolve("t.wav"), 8000, 1, 300, 100, 0.5);
        Objective o = mmlm(Map.of("modality", "audio", "sample_rate", 8000, "frame_size", 40, "hop", 20, "max_frames", 8, "mask_prob", 1.0, "mask_token_ratio", 1.0, "random_token_ratio", 0.0));
        Batch b = o.prepare(new Dataset("d", List.of(new Example(Map.of("text", "ab", "audio", "t.wav"), "d.jsonl:1", dir))), new BatchSpec(1, 6), 1).get(0);
        assertArrayEquals(new int[] {259, 258, 258, 260, 257, 257}, b.ints("ids").data(), "[CLS] [MASK] [MASK] [SEP] [PAD] [PAD]");
        int I = Losses.IGNORE;
        assertArrayEquals(new int[] {I, 'a', 'b', I, I, I}, b.ints("targets").data());
        assertArrayEquals(new int[] {1, 1, 1, 1, 0, 0}, b.ints("mask").data());
        assertArrayEquals(new int[] {1, 4, 40}, b.floats("features").shape(), "1 + (100 − 40) / 20 = 4 frames of 40");
        Example missing = new Example(Map.of("text", "x", "audio", "nope.wav"), "d.jsonl:2", dir);
        RuntimeException e = assertThrows(RuntimeException.class, () -> o.prepare(new Dataset("d", List.of(missing)), new BatchSpec(1, 6), 1));
        assertTrue(e.getMessage().contains("d.jsonl:2") && e.getMessage().contains("nope.wav"), e.getMessage());
    }

    @Test
    void configIsStrictPerModalityAndChecksTheSequenceFits() {
        ConfigException e = assertThrows(ConfigException.class, () -> mmlm(Map.of("frame_size", 100)));
        assertTrue(e.getMessage().contains("frame_size") && e.getMessage().contains("audio"), e.getMessage());
        assertThrows(ConfigException.class, () -> mmlm(Map.of("image_size", 30, "patch_size", 8)));
        assertThrows(ConfigException.class, () -> mmlm(Map.of("mask_token_ratio", 0.95, "random_token_ratio", 0.1)));
        IllegalArgumentException fit = assertThrows(IllegalArgumentException.class,
                () -> mmlm(Map.of("image_size", 64, "patch_size", 8)).prepare(new Dataset("d", List.of()), new BatchSpec(1, 8), 1));
        assertTrue(fit.getMessage().contains("model.max_seq"), fit.getMessage());
        IllegalArgumentException causal = assertThrows(IllegalArgumentException.class,
                () -> mmlm(Map.of()).checkModel(TransformerConfig.gpt2(TestTokenizers.BYTE_VOCAB, 16, 1, 2, 64)));
        assertTrue(causal.getMessage().contains("model.causal"), causal.getMessage());
    }
}
