package dev.kiln.runtime.data.prepared;

import dev.kiln.runtime.tokenizer.TokenizerSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** An interrupted preparation, run again, finishes with exactly the files an uninterrupted one writes. */
class PrepareResumeTest {

    @Test
    void resumesFromTheLastCommitToTheSameBytes(@TempDir Path tmp) throws Exception {
        Path src = tmp.resolve("c.txt");
        Files.writeString(src, PreparedCorpusRoundTripTest.corpus(600, 4));
        var settings = Prepared.settings(List.of(src), 0.2, 4096);
        String fp = TokenizerSpec.standard().fingerprint(Prepared.BYTES);
        new CorpusPreparer(Prepared.BYTES, fp, settings, null, 8_000).prepare(tmp.resolve("straight"));

        Path out = tmp.resolve("resumed");
        CorpusPreparer.Listener dies = (read, total, tokens, seconds) -> {
            if (tokens > 30_000) throw new IllegalStateException("simulated crash");
        };
        var slow = new CorpusPreparer(Prepared.BYTES, fp, settings, (r, t, k, s) -> sleep(), 8_000);
        assertThrows(IllegalStateException.class, () -> new CorpusPreparer(Prepared.BYTES, fp, settings, (r, t, k, s) -> {
            sleep();
            dies.progress(r, t, k, s);
        }, 8_000).prepare(out));
        assertTrue(Files.exists(out.resolve(PreparationState.FILE)), "a commit was recorded before the crash");
        assertFalse(PreparedManifest.isPrepared(out));
        PreparationState state = PreparationState.read(out);
        assertTrue(state.pieces() > 0 && state.pieces() < 300, "crashed early, after a commit: " + state);
        slow.prepare(out);
        assertFalse(Files.exists(out.resolve(PreparationState.FILE)));
        for (String f : List.of("train.idx", "validation.idx", "train-00000.bin", "train-00001.bin", "validation-00000.bin"))
            assertArrayEquals(Files.readAllBytes(tmp.resolve("straight").resolve(f)), Files.readAllBytes(out.resolve(f)), f);
        assertEquals(names(tmp.resolve("straight")), names(out));
        assertEquals(PreparedManifest.read(tmp.resolve("straight")).splits(), PreparedManifest.read(out).splits());
    }

    @Test
    void otherSettingsDoNotMixIntoAnUnfinishedPreparation(@TempDir Path tmp) throws Exception {
        Path src = tmp.resolve("c.txt");
        Files.writeString(src, PreparedCorpusRoundTripTest.corpus(300, 5));
        String fp = TokenizerSpec.standard().fingerprint(Prepared.BYTES);
        Path out = tmp.resolve("out");
        assertThrows(IllegalStateException.class, () -> new CorpusPreparer(Prepared.BYTES, fp, Prepared.settings(List.of(src), 0.2, 4096),
                (r, t, k, s) -> { if (k > 20_000) throw new IllegalStateException("crash"); }, 5_000).prepare(out));
        IOException e = assertThrows(IOException.class,
                () -> new CorpusPreparer(Prepared.BYTES, fp, Prepared.settings(List.of(src), 0.3, 4096), null).prepare(out));
        assertTrue(e.getMessage().contains("unfinished preparation with other settings"), e.getMessage());
    }

    private static void sleep() {
        try {
            Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
