package dev.kiln.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.LongStream;

import static dev.kiln.cli.Chromium.elements;
import static dev.kiln.cli.ModelDirectories.text;
import static dev.kiln.cli.ReportRuns.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * report.html and the comparison page, loaded by headless Chromium after real short runs: the
 * charts exist in the browser's DOM and carry the runs' logged numbers, and the screenshot shows
 * the curves' colours. Screenshots are kept in target/report-screenshots/ to look at.
 */
class ReportBrowserTest {
    private static final Path SHOTS = Path.of("target/report-screenshots");
    private static final int[] BLUE = {0x1f, 0x77, 0xb4}, ORANGE = {0xff, 0x7f, 0x0e};

    @TempDir
    Path tmp;

    @Test
    void aRunsReportShowsItsCurvesAndNumbersInChromium() throws Exception {
        Chromium chromium = Chromium.require();
        Path run = tmp.resolve("gpt-tiny");
        Cli r = pretrain(tmp, "gpt", config(text(tmp.resolve("stories.txt")), 12, 4, 0.003, true), run);
        Path html = run.resolve("report.html");
        assertTrue(r.out().contains("report: " + html), "the end of the output says where the report is:\n" + r.out());
        assertTrue(r.err().contains("report: " + html + " (rewritten at each evaluation"), "so does the start:\n" + r.err());
        TreeMap<Long, Map<String, Object>> train = records(run, "train"), eval = records(run, "eval");
        assertEquals(12, train.size());

        String dom = chromium.dumpDom(html, tmp.resolve("chromium"));
        Map<String, Map<String, String>> charts = byAttribute(elements(dom, "svg"), "data-chart");
        List<Map<String, String>> lines = elements(dom, "polyline");

        Map<String, String> raw = series(elements(chart(dom, "loss"), "polyline"), "train loss");
        double[] loss = values(train, "loss");
        assertEquals(String.valueOf(train.size()), raw.get("data-points"), "one plotted point per logged step");
        assertEquals(train.size(), raw.get("points").trim().split("\\s+").length, "the polyline's geometry has one vertex per logged step");
        assertArrayEquals(train.keySet().stream().mapToDouble(Long::doubleValue).toArray(), numbers(raw.get("data-steps")));
        assertArrayEquals(loss, numbers(raw.get("data-values")), 1e-12, "the plotted values are the logged losses");
        assertHigherValuesAreHigherOnScreen(raw);
        assertNotNull(series(lines, "train loss (smoothed)"));

        Map<String, String> lossChart = charts.get("loss");
        double[] evalLoss = values(eval, "loss");
        assertTrue(num(lossChart, "data-y-min") <= Math.min(min(loss), min(evalLoss)), "the y axis reaches the lowest loss: " + lossChart);
        assertTrue(num(lossChart, "data-y-max") >= Math.max(max(loss), max(evalLoss)), "the y axis reaches the highest loss: " + lossChart);
        assertEquals(0, num(lossChart, "data-x-min"), "the first evaluation is at step 0");
        assertEquals(12, num(lossChart, "data-x-max"));
        List<Map<String, String>> dots = elements(chart(dom, "loss"), "circle").stream().filter(c -> c.containsKey("data-step")).toList();
        for (var e : eval.entrySet())
            assertTrue(dots.stream().anyMatch(d -> d.get("data-step").equals(String.valueOf(e.getKey()))
                            && Math.abs(Double.parseDouble(d.get("data-value")) - ((Number) e.getValue().get("loss")).doubleValue()) < 1e-12),
                    "the evaluation at step " + e.getKey() + " is a dot with its loss");

        for (String metric : eval.firstEntry().getValue().keySet()) {
            if (List.of("type", "step", "time", "loss").contains(metric)) continue;
            assertTrue(charts.containsKey("eval." + metric), "a chart for validation " + metric + ": " + charts.keySet());
            Map<String, String> s = series(lines, "eval " + metric);
            assertEquals(String.valueOf(eval.size()), s.get("data-points"));
            assertArrayEquals(values(eval, metric), numbers(s.get("data-values")), 1e-12);
            assertTrue(num(charts.get("eval." + metric), "data-y-max") >= max(values(eval, metric)));
        }
        for (String key : List.of("lr", "grad_norm", "tokens_per_s")) {
            Map<String, String> s = series(lines, key);
            assertEquals(String.valueOf(train.size()), s.get("data-points"), key);
            assertArrayEquals(values(train, key), numbers(s.get("data-values")), 1e-12, key);
            assertTrue(num(charts.get("train." + key), "data-y-min") <= min(values(train, key)), key);
            assertTrue(num(charts.get("train." + key), "data-y-max") >= max(values(train, key)), key);
        }
        double[] heap = numbers(series(lines, "Java heap in use").get("data-values")), rss = numbers(series(lines, "resident set size (RSS)").get("data-values"));
        assertEquals(train.size(), heap.length);
        assertEquals(train.size(), rss.length);
        assertTrue(min(heap) > 1 && min(rss) > min(heap), "heap and RSS are real sizes in MiB, RSS above the heap in use");

        Map<String, String> share = charts.get("trainable-share");
        assertEquals("100", share.get("data-percent"), "pretraining trains every parameter");
        assertTrue(dom.contains("data-status=\"finished\""));
        assertTrue(dom.contains("<tr data-key=\"train.lr\"><td>train.lr</td><td>0.003</td>") && dom.contains("data-key=\"model.d_model\""),
                "the config table has the keys given");
        assertTrue(dom.contains("<tr data-key=\"train.weight_decay\" data-default=\"true\"><td>train.weight_decay</td><td>0.1</td>")
                        && dom.contains("<tr data-key=\"model.d_ff\" data-default=\"true\"><td>model.d_ff</td><td>128</td>")
                        && dom.contains("<tr data-key=\"objective.separator\" data-default=\"true\"><td>objective.separator</td><td>true</td>"),
                "and, resolved, the defaults the run used: train's, the model's, the objective plugin's");
        assertTrue(dom.contains("data-sample=\"\"") && dom.contains("<b>the cat</b>"), "the generated sample is shown");
        assertFalse(dom.contains("<script"), "no scripts");
        assertFalse(dom.replace("http://www.w3.org/2000/svg", "").matches("(?s).*(src|href)=\"https?:.*"), "nothing to fetch");

        BufferedImage shot = ImageIO.read(keep(chromium.screenshot(html, tmp.resolve("run.png"), 1280, 2400, tmp.resolve("chromium")), "run.png").toFile());
        assertEquals(1280, shot.getWidth());
        assertTrue(pixels(shot, BLUE) > 300, "the training loss curve is drawn in blue: " + pixels(shot, BLUE) + " pixels");
        assertTrue(pixels(shot, ORANGE) > 20, "the evaluation loss is drawn in orange: " + pixels(shot, ORANGE) + " pixels");
    }

    @Test
    void twoRunsComparedOnSharedAxesWithTheirFinalMetrics() throws Exception {
        Chromium chromium = Chromium.require();
        Path stories = text(tmp.resolve("stories.txt"));
        Path slow = tmp.resolve("lr-small"), fast = tmp.resolve("lr-large");
        pretrain(tmp, "a", config(stories, 6, 3, 0.0005, false), slow, "--no-sample");
        pretrain(tmp, "b", config(stories, 6, 3, 0.005, false), fast, "--no-sample");
        Path page = tmp.resolve("compare/both.html");
        Cli r = ModelDirectories.kiln("report", slow.toString(), fast.toString(), "--out", page.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("report: " + page), r.out());

        String dom = chromium.dumpDom(page, tmp.resolve("chromium"));
        for (Path run : List.of(slow, fast)) {
            String name = run.getFileName().toString();
            double after = ((Number) records(run, "eval").lastEntry().getValue().get("loss")).doubleValue();
            String row = dom.substring(dom.indexOf("<tr data-run=\"" + name + "\""));
            row = row.substring(0, row.indexOf("</tr>"));
            assertTrue(row.contains(String.format(java.util.Locale.ROOT, "%,.4f", after)),
                    name + "'s final validation loss with 4 decimals in its row: " + row);
        }
        Map<String, String> lossChart = byAttribute(elements(dom, "svg"), "data-chart").get("loss");
        List<Map<String, String>> curves = elements(chart(dom, "loss"), "polyline");
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (Path run : List.of(slow, fast)) {
            String name = run.getFileName().toString();
            double[] loss = values(records(run, "train"), "loss");
            lo = Math.min(lo, min(loss));
            hi = Math.max(hi, max(loss));
            Map<String, String> raw = curves.stream().filter(p -> (name + " (raw)").equals(p.get("data-series"))).findFirst().orElseThrow();
            assertEquals(name, raw.get("data-run"));
            assertArrayEquals(loss, numbers(raw.get("data-values")), 1e-12);
            assertEquals("6", raw.get("data-points"));
        }
        assertEquals(4, curves.size(), "raw and smoothed loss of each run on one chart");
        assertTrue(num(lossChart, "data-y-min") <= lo && num(lossChart, "data-y-max") >= hi, "one y axis spans both runs: " + lossChart);

        BufferedImage shot = ImageIO.read(keep(chromium.screenshot(page, tmp.resolve("cmp.png"), 1280, 1800, tmp.resolve("chromium")), "compare.png").toFile());
        assertTrue(pixels(shot, BLUE) > 200 && pixels(shot, ORANGE) > 200, "both runs' colours are on screen: "
                + pixels(shot, BLUE) + " / " + pixels(shot, ORANGE));
    }

    /** Each vertex's y pixel orders the points the opposite way to their values (SVG's y grows downward). */
    private static void assertHigherValuesAreHigherOnScreen(Map<String, String> line) {
        double[] v = numbers(line.get("data-values"));
        String[] pts = line.get("points").trim().split("\\s+");
        for (int i = 0; i < v.length; i++)
            for (int j = 0; j < v.length; j++) {
                double yi = Double.parseDouble(pts[i].split(",")[1]), yj = Double.parseDouble(pts[j].split(",")[1]);
                if (v[i] > v[j] + 1e-9) assertTrue(yi < yj, "point " + i + " (" + v[i] + ") is above point " + j + " (" + v[j] + ")");
            }
        double[] x = LongStream.range(0, pts.length).mapToDouble(i -> Double.parseDouble(pts[(int) i].split(",")[0])).toArray();
        for (int i = 1; i < x.length; i++) assertTrue(x[i] > x[i - 1], "steps go left to right");
    }

    /** The svg element whose data-chart is {@code id}, as DOM text. */
    private static String chart(String dom, String id) {
        int at = dom.indexOf("data-chart=\"" + id + "\"");
        assertTrue(at >= 0, "no chart " + id);
        int start = dom.lastIndexOf("<svg", at);
        return dom.substring(start, dom.indexOf("</svg>", at));
    }

    private static Map<String, String> series(List<Map<String, String>> lines, String name) {
        return lines.stream().filter(p -> name.equals(p.get("data-series"))).findFirst()
                .orElseThrow(() -> new AssertionError("no curve '" + name + "' among " + lines.stream().map(p -> p.get("data-series")).toList()));
    }

    private static Map<String, Map<String, String>> byAttribute(List<Map<String, String>> els, String attr) {
        Map<String, Map<String, String>> out = new java.util.LinkedHashMap<>();
        for (var e : els) if (e.containsKey(attr)) out.put(e.get(attr), e);
        return out;
    }

    private static double num(Map<String, String> el, String attr) {
        assertNotNull(el, "no such element");
        return Double.parseDouble(el.get(attr));
    }

    private static long pixels(BufferedImage img, int[] rgb) {
        long n = 0;
        for (int y = 0; y < img.getHeight(); y++)
            for (int x = 0; x < img.getWidth(); x++) {
                int p = img.getRGB(x, y);
                if (Math.abs((p >> 16 & 255) - rgb[0]) < 24 && Math.abs((p >> 8 & 255) - rgb[1]) < 24 && Math.abs((p & 255) - rgb[2]) < 24) n++;
            }
        return n;
    }

    private static Path keep(Path png, String name) throws IOException {
        Files.createDirectories(SHOTS);
        Files.copy(png, SHOTS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        return png;
    }
}
