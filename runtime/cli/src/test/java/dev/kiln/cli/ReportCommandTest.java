package dev.kiln.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.kiln.cli.Chromium.elements;
import static dev.kiln.cli.ModelDirectories.kiln;
import static dev.kiln.cli.ModelDirectories.text;
import static dev.kiln.cli.ReportRuns.*;
import static org.junit.jupiter.api.Assertions.*;

/** kiln report on resumed and running runs, and report.html as training leaves it (no browser needed). */
class ReportCommandTest {
    @TempDir
    Path tmp;

    @Test
    void aResumedRunsCurveIsContinuousAndHasEachStepOnce() throws Exception {
        Path stories = text(tmp.resolve("stories.txt"));
        Path run = tmp.resolve("resumed");
        pretrain(tmp, "first", config(stories, 6, 3, 0.003, false), run, "--no-sample");
        // as if the run had died after logging step 6 but before its step-6 checkpoint: resume from step 3
        Path checkpoints = run.resolve("checkpoints");
        try (var files = Files.walk(checkpoints.resolve("step-000006"))) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        Files.writeString(checkpoints.resolve("latest"), "step-000003");
        Cli second = pretrain(tmp, "second", config(stories, 9, 3, 0.003, false), run, "--no-sample");
        assertTrue(second.err().contains("resuming at step 3/9"), second.err());

        long logged = Files.readAllLines(run.resolve("metrics.jsonl"), StandardCharsets.UTF_8).stream().filter(l -> l.contains("\"train\"")).count();
        assertEquals(9, logged, "what the first run logged past its step-3 checkpoint (steps 4-6) is dropped on resume, then logged again");
        TreeMap<Long, Map<String, Object>> train = records(run, "train");
        String html = Files.readString(run.resolve("report.html"));
        Map<String, String> loss = elements(html, "polyline").stream().filter(p -> "train loss".equals(p.get("data-series"))).findFirst().orElseThrow();
        assertEquals("1 2 3 4 5 6 7 8 9", loss.get("data-steps"), "one point per step, in order");
        assertArrayEquals(values(train, "loss"), numbers(loss.get("data-values")), 1e-12, "the redone steps show their later values");
        assertTrue(html.contains("data-status=\"finished\""), "finished at step 9");
        assertTrue(html.contains("resumed 1×"), "run.json recorded both sessions");
    }

    @Test
    void aRunningRunIsReportedAsRunningAndSeveralRunsNeedOnlyTheirLogs() throws Exception {
        Path stories = text(tmp.resolve("stories.txt"));
        Path done = tmp.resolve("done");
        pretrain(tmp, "done", config(stories, 3, 3, 0.003, false), done, "--no-sample");
        Path running = tmp.resolve("running");
        Files.createDirectories(running);
        List<String> lines = Files.readAllLines(done.resolve("metrics.jsonl"), StandardCharsets.UTF_8);
        Files.writeString(running.resolve("metrics.jsonl"), String.join("\n", lines.subList(0, 3)) + "\n{\"type\": \"train\", \"st");
        Files.copy(done.resolve("run.json"), running.resolve("run.json"));

        Cli one = kiln("report", running.toString());
        assertEquals(0, one.code(), one.err());
        String html = Files.readString(running.resolve("report.html"));
        assertTrue(html.contains("data-status=\"running\"") && html.contains("running: step 2 of 3"), "two train records so far");

        Path page = tmp.resolve("cmp.html");
        Cli both = kiln("report", done.toString(), running.toString(), "--out", page.toString());
        assertEquals(0, both.code(), both.err());
        String cmp = Files.readString(page);
        assertTrue(cmp.contains("<tr data-run=\"done\"") && cmp.contains("<tr data-run=\"running\""), cmp);
        assertTrue(cmp.contains("<h1>done vs running</h1>"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void aFineTuningReportShowsTheTrainableShareTheForgettingProbeAndTheBestStep() throws Exception {
        Path stories = text(tmp.resolve("stories.txt"));
        Path base = tmp.resolve("base");
        pretrain(tmp, "base", config(stories, 3, 3, 0.003, false), base, "--no-sample");
        Map<String, Object> cfg = new java.util.LinkedHashMap<>(Map.of(
                "finetune", Map.of("from", base.resolve("model").toString(), "method", Map.of("name", "full", "freeze_embeddings", true),
                        "forgetting", Map.of("objective", "clm", "data", stories.toString(), "batches", 2)),
                "objective", "clm", "data", Map.of("train", stories.toString()),
                "train", Map.of("steps", 4, "batch_size", 4, "seq_len", 32, "lr", 0.003, "eval_every", 2, "eval_batches", 2,
                        "log_every", 1, "checkpoint_every", 0, "metric_for_best_model", "loss", "load_best_model_at_end", true)));
        Path run = tmp.resolve("tuned");
        Cli r = kiln("finetune", "--config", ModelDirectories.config(tmp.resolve("ft.json"), cfg).toString(), "--out", run.toString(), "--no-sample");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("report: " + run.resolve("report.html")), r.out());

        Map<String, Object> report = ModelDirectories.json(run.resolve("report.json"));
        String html = Files.readString(run.resolve("report.html"));
        Map<String, String> share = elements(html, "svg").stream().filter(e -> "trainable-share".equals(e.get("data-chart"))).findFirst().orElseThrow();
        Map<String, Object> params = (Map<String, Object>) report.get("parameters");
        assertEquals(((Number) params.get("trainable")).longValue(), Long.parseLong(share.get("data-trainable")));
        assertEquals(((Number) params.get("total")).longValue(), Long.parseLong(share.get("data-total")));
        double pct = Double.parseDouble(share.get("data-percent"));
        assertTrue(pct > 0 && pct < 100, "frozen embeddings: a share of the parameters trains, " + pct);

        Map<String, Object> forgetting = (Map<String, Object>) report.get("forgetting");
        String table = html.substring(html.indexOf("<table data-table=\"forgetting\">"));
        table = table.substring(0, table.indexOf("</table>"));
        for (String when : List.of("before", "after")) {
            double v = ((Number) ((Map<String, Object>) forgetting.get(when)).get("loss")).doubleValue();
            assertTrue(table.contains("data-value=\"" + v + "\""), "forgetting loss " + when + " = " + v + " in " + table);
        }
        long best = ((Number) ((Map<String, Object>) report.get("model_selection")).get("best_step")).longValue();
        assertTrue(html.contains("data-marker=\"best\" data-step=\"" + best + "\""), "the best step is marked on the curves: " + best);
        assertTrue(html.contains("data-best-step=\"" + best + "\""));

        Path page = tmp.resolve("cmp.html");
        assertEquals(0, kiln("report", base.toString(), run.toString(), "--out", page.toString()).code());
        String cmp = Files.readString(page);
        double change = ((Number) ((Map<String, Object>) forgetting.get("change")).get("loss")).doubleValue();
        String row = cmp.substring(cmp.indexOf("<tr data-run=\"tuned\""));
        assertTrue(cmp.contains("forgetting: loss change</th>") && row.substring(0, row.indexOf("</tr>")).contains("data-value=\"" + change + "\""),
                "the comparison table has the forgetting probe's change: " + row);
    }

    @Test
    void eachObjectiveMembersTrainingLossIsLoggedAndChartedPerStep() throws Exception {
        Map<String, Object> cfg = config(text(tmp.resolve("stories.txt")), 4, 2, 0.003, false);
        cfg.remove("objective");
        cfg.put("objectives", List.of(Map.of("name", "clm", "weight", 0.5)));
        Path run = tmp.resolve("composite");
        pretrain(tmp, "composite", cfg, run, "--no-sample");
        TreeMap<Long, Map<String, Object>> train = records(run, "train");
        double[] member = values(train, "clm.loss"), total = values(train, "loss");
        for (int i = 0; i < member.length; i++) assertEquals(0.5 * member[i], total[i], 1e-4, "the weighted sum is the loss");
        String html = Files.readString(run.resolve("report.html"));
        String chart = html.substring(html.indexOf("data-chart=\"train.clm.loss\""));
        Map<String, String> line = elements(chart.substring(0, chart.indexOf("</svg>")), "polyline").get(0);
        assertArrayEquals(member, numbers(line.get("data-values")), 1e-12);
        assertTrue(html.contains("training clm.loss (per step)"), "titled as a per-step training metric");
    }

    @Test
    void aDirectoryThatIsNoRunIsRefusedByName() {
        Cli r = kiln("report", tmp.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains(tmp + " is not a Kiln run directory (it has no metrics.jsonl)"), r.err());
    }
}
