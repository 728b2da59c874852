package dev.kiln.runtime.report;

import org.junit.jupiter.api.Test;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

class LineChartTest {
    @Test
    void eachPointIsAVertexAtItsStepAndValue() {
        Series s = new Series("loss", new long[] {1, 2, 3, 4}, new double[] {5, 4, Double.NaN, 2});
        String svg = new LineChart("loss", "loss <raw>", "").add(s, "run", "train loss", "#000", LineChart.Style.LINE)
                .marker(2, "best", "best step 2", "#0f0").html();
        assertTrue(svg.contains("data-points=\"3\""), "the NaN is left out: " + svg);
        assertTrue(svg.contains("data-steps=\"1 2 4\"") && svg.contains("data-values=\"5 4 2\""), svg);
        assertTrue(svg.contains("loss &lt;raw&gt;"), "titles are escaped");
        Matcher m = Pattern.compile(" points=\"([^\"]*)\"").matcher(svg);
        assertTrue(m.find());
        String[] pts = m.group(1).split(" ");
        Axis x = Axis.steps(1, 4), y = Axis.values(2, 5);
        assertEquals(LineChart.pxOf(x, 4), Double.parseDouble(pts[2].split(",")[0]), 0.01);
        assertEquals(LineChart.py(y, 2), Double.parseDouble(pts[2].split(",")[1]), 0.01);
        // and without the chart's own mapping: steps 1, 2, 4 lie left to right at a third of the run apart, values 5, 4, 2
        // top to bottom (SVG's y grows downwards) likewise; a linear axis keeps ratios of differences whatever its padding
        double[] px = new double[3], py = new double[3];
        for (int i = 0; i < 3; i++) {
            px[i] = Double.parseDouble(pts[i].split(",")[0]);
            py[i] = Double.parseDouble(pts[i].split(",")[1]);
        }
        assertTrue(px[0] < px[1] && px[1] < px[2] && py[0] < py[1] && py[1] < py[2], String.join(" ", pts));
        assertEquals(1.0 / 3, (px[1] - px[0]) / (px[2] - px[0]), 1e-3, "step 2 of 1..4");
        assertEquals(1.0 / 3, (py[1] - py[0]) / (py[2] - py[0]), 1e-3, "value 4 of 5..2");
        assertTrue(svg.contains("data-marker=\"best\" data-step=\"2\""), svg);
        assertTrue(svg.contains("data-y-min=\"" + Html.data(y.min()) + "\"") && svg.contains("data-x-max=\"4\""), svg);
    }

    @Test
    void aChartWithoutDataIsNotDrawn() {
        assertEquals("", new LineChart("x", "x", "").add(Series.empty("x"), "r", "x", "#000", LineChart.Style.LINE).html());
    }
}
