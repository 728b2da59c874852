package dev.kiln.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static dev.kiln.cli.ModelDirectories.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * An output path that would replace something already saved is refused, naming the option and the file, and the file
 * is left as it was: a run directory that is a file (or lies under one), a report over a model or metrics file, a
 * sample file over its own prompts or over another output.
 */
class OutputPathsCliTest {
    @TempDir
    Path tmp;

    @Test
    void aRunDirectoryThatIsAFileIsNamedAndLeftAlone() throws IOException {
        Path config = pretrainConfig();
        Path file = Files.writeString(tmp.resolve("notes.txt"), "kept");
        Cli r = kiln("pretrain", "--config", config.toString(), "--out", file.toString(), "--no-sample");
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains(file + ": already exists and is not a directory"), r.err());
        Cli under = kiln("pretrain", "--config", config.toString(), "--out", file.resolve("run").toString(), "--no-sample");
        assertNotEquals(0, under.code());
        assertTrue(under.err().contains(file.resolve("run") + ": cannot be a directory: " + file + " is a file"), under.err());
        assertEquals("kept", Files.readString(file));
    }

    @Test
    void aReportReplacesAnEarlierPageButNotAModelOrItsMetrics() throws IOException {
        Path run = tmp.resolve("run");
        Cli pre = kiln("pretrain", "--config", pretrainConfig().toString(), "--out", run.toString(), "--no-sample");
        assertEquals(0, pre.code(), pre.err());
        for (Path kept : new Path[] {run.resolve("model/model.safetensors"), run.resolve("metrics.jsonl")}) {
            byte[] before = Files.readAllBytes(kept);
            Cli r = kiln("report", run.toString(), "--out", kept.toString());
            assertNotEquals(0, r.code(), r.out());
            assertTrue(r.err().contains("--out " + kept + " exists and is not an HTML page; refusing to overwrite it"), r.err());
            assertArrayEquals(before, Files.readAllBytes(kept), kept + " left as it was");
        }
        Path page = tmp.resolve("page.html");
        assertEquals(0, kiln("report", run.toString(), "--out", page.toString()).code());
        Cli again = kiln("report", run.toString(), "--out", page.toString());
        assertEquals(0, again.code(), again.err());
        assertTrue(Files.readString(page).contains("<svg"), "an earlier report is replaced");
    }

    // a one-block byte-level GPT, 2 steps on the generated stories
    private Path pretrainConfig() throws IOException {
        return config(tmp.resolve("pre.json"), Map.of("tokenizer", Map.of("type", "byte"),
                "model", Map.of("preset", "gpt2", "d_model", 32, "layers", 1, "heads", 4, "max_seq", 64), "objective", "clm",
                "data", Map.of("train", text(tmp.resolve("stories.txt")).toString()), "train", train(2)));
    }

    @Test
    void sampleOutputsMayNotBeItsPromptsOrEachOther() throws IOException {
        Path model = hfGpt2(tmp.resolve("hf"));
        Path prompts = Files.writeString(tmp.resolve("p.txt"), "the cat\n");
        Cli self = kiln("sample", "--model", model.toString(), "--prompts", prompts.toString(), "--out", prompts.toString(), "-n", "2");
        assertNotEquals(0, self.code());
        assertTrue(self.err().contains("--out " + prompts + " is the same file as --prompts; it would be overwritten"), self.err());
        assertEquals("the cat\n", Files.readString(prompts));
        Path out = tmp.resolve("s.jsonl");
        Cli both = kiln("sample", "--model", model.toString(), "--prompts", prompts.toString(), "--out", out.toString(),
                "--tsv", tmp.resolve(".").resolve("s.jsonl").toString(), "-n", "2");
        assertNotEquals(0, both.code());
        assertTrue(both.err().contains("is the same file as --out"), both.err());
        assertFalse(Files.exists(out), "nothing written");
    }
}
