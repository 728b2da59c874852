package dev.kiln.samples;

import dev.kiln.api.io.SafetensorsFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Same seed, same run, bit for bit on the cpu backend; and stopping + resuming from a checkpoint changes nothing. */
class ReproducibilityTest {

    @Test
    void sameSeedGivesTheSameLossCurve(@TempDir Path tmp) throws Exception {
        List<String> o = Runs.tiny("train.steps=12", "model.dropout=0.1");
        Runs.pretrain("gpt-stories.yaml", o, tmp.resolve("a"));
        Runs.pretrain("gpt-stories.yaml", o, tmp.resolve("b"));
        List<String> a = losses(tmp.resolve("a")), b = losses(tmp.resolve("b"));
        assertEquals(12, a.size());
        assertEquals(a, b, "two runs with one seed must log identical losses");
        Runs.pretrain("gpt-stories.yaml", Runs.tiny("train.steps=12", "model.dropout=0.1", "seed=99"), tmp.resolve("c"));
        assertTrue(!a.equals(losses(tmp.resolve("c"))), "a different seed must change the curve");
    }

    /**
     * The cpu backend is deterministic run to run: the first run here starts with cold kernels
     * (interpreted, the Vector API's Java fallbacks) and the second runs them C2-compiled, so a
     * reduction or an exp whose result depends on how it was compiled shows up as a difference.
     */
    @Test
    void twoCpuRunsGiveBitIdenticalWeights(@TempDir Path tmp) throws Exception {
        List<String> o = Runs.tiny("train.steps=40", "model.d_model=128", "model.heads=4", "model.dropout=0.1");
        Runs.pretrain("gpt-stories.yaml", o, tmp.resolve("a"));
        Runs.pretrain("gpt-stories.yaml", o, tmp.resolve("b"));
        assertSameBits(tmp.resolve("a/model/model.safetensors"), tmp.resolve("b/model/model.safetensors"));
    }

    @Test
    void resumingFromACheckpointGivesTheSameWeights(@TempDir Path tmp) throws Exception {
        // straight: 2N steps. split: N steps (checkpoint), then the same config asked for 2N resumes at N.
        List<String> common = List.of("model.dropout=0.1", "train.warmup=3", "train.schedule=cosine");
        Runs.pretrain("gpt-stories.yaml", with(common, "train.steps=10"), tmp.resolve("straight"));
        Runs.pretrain("gpt-stories.yaml", with(common, "train.steps=10", "train.checkpoint_every=5"), tmp.resolve("split-a"));
        // simulate an interruption after step 5: keep only that checkpoint, then resume to 10
        Path ck = tmp.resolve("split-a/checkpoints");
        Path resumed = tmp.resolve("split");
        Files.createDirectories(resumed.resolve("checkpoints"));
        copyTree(ck.resolve("step-000005"), resumed.resolve("checkpoints/step-000005"));
        Files.writeString(resumed.resolve("checkpoints/latest"), "step-000005\n");
        Runs.pretrain("gpt-stories.yaml", with(common, "train.steps=10"), resumed);
        assertSameBits(tmp.resolve("straight/model/model.safetensors"), resumed.resolve("model/model.safetensors"));
    }

    /** Every tensor of two weight files equal bit for bit. */
    private static void assertSameBits(Path first, Path second) throws Exception {
        try (SafetensorsFile x = SafetensorsFile.open(first); SafetensorsFile y = SafetensorsFile.open(second)) {
            assertEquals(x.names(), y.names());
            for (String n : x.names()) {
                float[] a = x.floats(n), b = y.floats(n);
                for (int i = 0; i < a.length; i++)
                    if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i]))
                        throw new AssertionError(n + "[" + i + "] differs: " + a[i] + " (" + first + ") vs " + b[i] + " (" + second + ")");
            }
        }
    }

    private static List<String> with(List<String> common, String... more) {
        java.util.ArrayList<String> all = new java.util.ArrayList<>(common);
        all.addAll(List.of(more));
        return Runs.tiny(all.toArray(new String[0]));
    }

    static List<String> losses(Path run) throws Exception {
        return Files.readAllLines(run.resolve("metrics.jsonl")).stream()
                .filter(l -> l.contains("\"type\":\"train\""))
                .map(l -> l.replaceAll(".*\"loss\":([^,]*),.*", "$1")).toList();
    }

    static void copyTree(Path from, Path to) throws Exception {
        try (var s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t); else Files.copy(p, t);
            }
        }
    }
}
