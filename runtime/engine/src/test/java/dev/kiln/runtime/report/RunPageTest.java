package dev.kiln.runtime.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class RunPageTest {
    @TempDir
    Path tmp;

    @Test
    void fieldsASignalLogsPerStepGetChartsOfTheirOwnButConfusionCellsDoNot() throws Exception {
        Path run = tmp.resolve("dpo");
        Files.createDirectories(run);
        Files.writeString(run.resolve(RunLog.METRICS), String.join("\n",
                "{\"type\": \"train\", \"step\": 1, \"loss\": 0.69, \"lr\": 1e-5, \"rewards/chosen\": 0.1, \"rewards/margins\": 0.05, \"kl\": 0.0, \"confusion.a.b\": 0.5}",
                "{\"type\": \"train\", \"step\": 2, \"loss\": 0.61, \"lr\": 1e-5, \"rewards/chosen\": 0.3, \"rewards/margins\": 0.2, \"kl\": 0.01, \"confusion.a.b\": 0.5}",
                "{\"type\": \"eval\", \"step\": 2, \"loss\": 0.62, \"rewards/accuracies\": 0.75, \"confusion.a.b\": 0.25}") + "\n");
        List<LineChart> charts = RunPage.charts(RunLog.read(run));
        String all = String.join("", charts.stream().map(LineChart::html).toList());
        for (String id : List.of("train.rewards_chosen", "train.rewards_margins", "train.kl", "eval.rewards_accuracies"))
            assertTrue(all.contains("data-chart=\"" + id + "\""), id + " in " + all);
        assertTrue(all.contains("data-series=\"rewards/margins\"") && all.contains("data-values=\"0.05 0.2\""), all);
        assertFalse(all.contains("confusion"), "confusion cells stay in the tables");
        String page = RunPage.render(RunLog.read(run));
        assertTrue(page.contains("data-status=\"running\""), "no report.json yet");
        assertTrue(page.contains("<tr data-metric=\"rewards/accuracies\"><td>rewards/accuracies</td><td class=\"num\" data-value=\"0.75\">0.7500</td><td class=\"num\" data-value=\"0.75\">0.7500</td><td class=\"num\">–</td>"),
                "one evaluation: before and after alike, four decimals, no test split");
    }
}
