package dev.kiln.cli;

import dev.kiln.api.io.Json;
import dev.kiln.api.io.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.kiln.cli.ModelDirectories.*;
import static org.junit.jupiter.api.Assertions.*;

/** kiln sample: one completion per prompt, as kiln generate would give it, with the KL to a reference and a judge TSV. */
class SampleCliTest {
    @TempDir
    Path tmp;

    @Test
    void eachPromptGetsTheCompletionGenerateGivesAndTheKlToItselfIsZero() throws IOException {
        Path model = hfGpt2(tmp.resolve("hf"));
        Path prompts = Files.writeString(tmp.resolve("p.txt"), "the cat\n\nonce upon\n");
        Path out = tmp.resolve("s.jsonl"), tsv = tmp.resolve("judge.tsv");
        Cli r = kiln("sample", "--model", model.toString(), "--reference", model.toString(), "--prompts", prompts.toString(),
                "--out", out.toString(), "--tsv", tsv.toString(), "--greedy", "-n", "4");
        assertEquals(0, r.code(), r.err());
        List<JsonObject> rows = records(out);
        assertEquals(2, rows.size());
        for (JsonObject row : rows) {
            assertEquals(0.0, row.number("kl"), "the same model as its own reference: " + row.get("kl"));
            assertTrue(row.number("logp") < 0, "a log-probability of sampled tokens: " + row.get("logp"));
            assertTrue(row.integer("tokens") > 0 && row.integer("tokens") <= 4);
        }
        Cli g = kiln("generate", "--model", model.toString(), "--prompt", "the cat", "--greedy", "-n", "4", "--no-echo");
        assertEquals(g.out().strip(), rows.get(0).string("completion").strip(), "kiln sample continues as kiln generate does");
        List<String> judge = Files.readAllLines(tsv);
        assertEquals("label\tsentence", judge.get(0));
        assertEquals("1\tthe cat" + rows.get(0).string("completion"), judge.get(1));
        assertTrue(r.err().contains("KL to " + model + ": 0.000 per completion"), r.err());
        java.util.regex.Matcher d = java.util.regex.Pattern.compile("diversity: distinct-1 ([0-9.]+), distinct-2 ([0-9.]+)").matcher(r.err());
        assertTrue(d.find(), r.err());
        double d1 = Double.parseDouble(d.group(1)), d2 = Double.parseDouble(d.group(2));
        assertTrue(d1 > 0 && d1 <= 1 && d2 >= 0 && d2 <= 1, "shares of unique n-grams: " + d.group());
    }

    @Test
    void theKlToAReferenceIsThePolicysLogProbabilityOverTheReferences() throws IOException {
        Path model = hfGpt2(tmp.resolve("hf")), reference = uniformGpt2(tmp.resolve("uniform"));
        Path prompts = Files.writeString(tmp.resolve("p.txt"), "the cat\nonce upon\na dog\n");
        Path out = tmp.resolve("s.jsonl");
        Cli r = kiln("sample", "--model", model.toString(), "--reference", reference.toString(), "--prompts", prompts.toString(),
                "--out", out.toString(), "-n", "5", "--seed", "3");
        assertEquals(0, r.code(), r.err());
        List<JsonObject> rows = records(out);
        assertEquals(3, rows.size());
        double lnV = Math.log(BYTES.vocabSize()), klSum = 0;
        for (JsonObject row : rows) {
            int tokens = row.integer("tokens");
            assertTrue(tokens > 0, row.toString());
            // the reference gives every token 1 / V, so its log-probability of the completion is −tokens · ln V
            assertEquals(-tokens * lnV, row.number("ref_logp"), 1e-4 * tokens, "the uniform reference: " + row);
            assertEquals(row.number("logp") - row.number("ref_logp"), row.number("kl"), 1e-9, row.toString());
            assertTrue(Math.abs(row.number("kl")) > 0.1, "a random policy is not the uniform one: " + row);
            klSum += row.number("kl");
        }
        String mean = String.format(java.util.Locale.ROOT, "%.3f", klSum / rows.size());
        assertTrue(r.err().contains("KL to " + reference + ": " + mean + " per completion"), mean + " in " + r.err());
    }

    @Test
    void pairsAreEachPromptsHighestAndLowestRewardedSample() throws IOException {
        Path base = hfGpt2(tmp.resolve("base"));
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 16; i++) rows.append("{\"prompt\": \"say " + i + ":\", \"chosen\": \" yes\", \"rejected\": \" no\"}\n");
        Path train = Files.writeString(tmp.resolve("pairs.jsonl"), rows);
        Path cfg = config(tmp.resolve("reward.json"), java.util.Map.of(
                "finetune", java.util.Map.of("from", base.toString(), "method", "full", "signal", java.util.Map.of("name", "reward")),
                "data", java.util.Map.of("train", train.toString(), "validation_fraction", 0.0), "train", train(2)));
        Cli rm = kiln("finetune", "--config", cfg.toString(), "--out", tmp.resolve("rm").toString());
        assertEquals(0, rm.code(), rm.err());

        Path prompts = Files.writeString(tmp.resolve("p.txt"), "the cat\nonce upon\na dog\n");
        Path out = tmp.resolve("s.jsonl"), pairs = tmp.resolve("pairs-out.jsonl");
        Cli r = kiln("sample", "--model", base.toString(), "--reward-model", tmp.resolve("rm/model").toString(), "--prompts", prompts.toString(),
                "--samples-per-prompt", "3", "--pairs", pairs.toString(), "--out", out.toString(), "-n", "4", "--seed", "5");
        assertEquals(0, r.code(), r.err());
        List<JsonObject> samples = records(out), made = records(pairs);
        assertEquals(9, samples.size(), "3 samples of each of 3 prompts");
        assertFalse(made.isEmpty(), r.err());
        for (JsonObject pair : made) {
            List<JsonObject> mine = samples.stream().filter(x -> pair.get("prompt").equals(x.get("prompt"))).toList();
            double max = mine.stream().mapToDouble(x -> x.get("reward") instanceof Number n ? n.doubleValue() : Double.NaN).max().orElseThrow();
            double min = mine.stream().mapToDouble(x -> x.get("reward") instanceof Number n ? n.doubleValue() : Double.NaN).min().orElseThrow();
            assertTrue(max > min);
            assertEquals(max, rewardOf(mine, pair.get("chosen")), 0.0, "chosen is the best-rewarded sample");
            assertEquals(min, rewardOf(mine, pair.get("rejected")), 0.0, "rejected is the worst-rewarded sample");
        }
        Cli bad = kiln("sample", "--model", base.toString(), "--prompts", prompts.toString(), "--pairs", pairs.toString(), "--out", out.toString());
        assertNotEquals(0, bad.code(), bad.err());
        assertTrue(bad.err().contains("--pairs needs --reward-model (or --reward) and --samples-per-prompt of at least 2"), bad.err());
    }

    @Test
    void anyRewardFunctionScoresThroughReward() throws IOException {
        Path model = hfGpt2(tmp.resolve("hf"));
        Path prompts = Files.writeString(tmp.resolve("p.txt"), "the cat\nonce upon\n");
        Path out = tmp.resolve("s.jsonl");
        Cli r = kiln("sample", "--model", model.toString(), "--reward", "length:target=4", "--prompts", prompts.toString(),
                "--samples-per-prompt", "2", "--out", out.toString(), "-n", "6", "--seed", "3");
        assertEquals(0, r.code(), r.err());
        for (JsonObject row : records(out))
            assertEquals(-Math.abs(row.integer("tokens") - 4) / 4.0, row.number("reward"), 1e-12, "the length reward of " + row);
        assertTrue(r.err().contains("reward (length:target=4): mean"), r.err());
        Cli both = kiln("sample", "--model", model.toString(), "--reward", "length:target=4", "--reward-model", model.toString(),
                "--prompts", prompts.toString(), "--out", out.toString());
        assertNotEquals(0, both.code());
        assertTrue(both.err().contains("give --reward-model or --reward, not both"), both.err());
        Cli typo = kiln("sample", "--model", model.toString(), "--reward", "length:target", "--prompts", prompts.toString(), "--out", out.toString());
        assertNotEquals(0, typo.code());
        assertTrue(typo.err().contains("'target' is not KEY=VALUE"), typo.err());
        Cli unknown = kiln("sample", "--model", model.toString(), "--reward", "length:target=4,goal=2", "--prompts", prompts.toString(),
                "--out", out.toString());
        assertNotEquals(0, unknown.code());
        assertTrue(unknown.err().contains("'goal'"), unknown.err());
    }

    private static double rewardOf(List<JsonObject> samples, Object completion) {
        return samples.stream().filter(x -> completion.equals(x.get("completion"))).mapToDouble(x -> ((Number) x.get("reward")).doubleValue())
                .findFirst().orElseThrow();
    }

    @Test
    void aPromptLineWithoutAPromptNamesTheFileAndLine() throws IOException {
        Path model = hfGpt2(tmp.resolve("hf"));
        Path prompts = Files.writeString(tmp.resolve("p.jsonl"), "{\"prompt\": \"a\"}\n{\"text\": \"b\"}\n");
        Cli r = kiln("sample", "--model", model.toString(), "--prompts", prompts.toString(), "--out", tmp.resolve("s.jsonl").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains(prompts + ":2: expected a string 'prompt'"), r.err());
        assertFalse(Files.exists(tmp.resolve("s.jsonl")), "nothing written on bad input");
    }

    private static List<JsonObject> records(Path file) throws IOException {
        List<JsonObject> out = new ArrayList<>();
        Json.forEachLine(Files.readString(file), file.toString(), (line, v) -> out.add(JsonObject.of(v, file + ":" + line)));
        return out;
    }
}
