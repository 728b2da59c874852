package dev.kiln.objective.mmlm;

import javax.imageio.ImageIO;
import javax.sound.sampled.AudioFileFormat;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;

/** Generated test media: PNGs of coloured shapes and WAV tones. */
final class Media {
    static final String[] COLOURS = {"red", "green", "blue", "yellow"};
    static final Color[] RGB = {new Color(220, 30, 30), new Color(30, 170, 40), new Color(40, 60, 220), new Color(235, 215, 20)};
    static final String[] SHAPES = {"circle", "square", "triangle"};
    static final String[] COUNTS = {"one", "two", "three"};

    private Media() {}

    /** A size × size white PNG with {@code count} shapes of one colour in distinct quadrants (random cells and offsets). */
    static void shapes(Path file, int size, int count, int colour, int shape, Random rng) throws IOException {
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, size, size);
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_OFF);
        g.setColor(RGB[colour]);
        int cell = size / 2, s = cell * 3 / 4;
        int[] cells = {0, 1, 2, 3};
        for (int i = 3; i > 0; i--) { int j = rng.nextInt(i + 1), t = cells[i]; cells[i] = cells[j]; cells[j] = t; }
        for (int k = 0; k < count; k++) {
            int x = (cells[k] % 2) * cell + rng.nextInt(cell - s + 1), y = (cells[k] / 2) * cell + rng.nextInt(cell - s + 1);
            switch (shape) {
                case 0 -> g.fillOval(x, y, s, s);
                case 1 -> g.fillRect(x, y, s, s);
                default -> g.fillPolygon(new int[] {x, x + s / 2, x + s}, new int[] {y + s, y, y + s}, 3);
            }
        }
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
    }

    static void blank(Path file, int size) throws IOException {
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, size, size);
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
    }

    /** A 16-bit PCM WAV of a sine tone. */
    static void tone(Path file, float rate, int channels, double hz, int samples, double amplitude) throws IOException {
        byte[] pcm = new byte[samples * channels * 2];
        for (int i = 0; i < samples; i++) {
            short v = (short) Math.round(amplitude * 32767 * Math.sin(2 * Math.PI * hz * i / rate));
            for (int c = 0; c < channels; c++) {
                int at = 2 * (i * channels + c);
                pcm[at] = (byte) (v & 0xFF);
                pcm[at + 1] = (byte) ((v >> 8) & 0xFF);
            }
        }
        AudioFormat f = new AudioFormat(rate, 16, channels, true, false);
        try (AudioInputStream in = new AudioInputStream(new ByteArrayInputStream(pcm), f, samples)) {
            AudioSystem.write(in, AudioFileFormat.Type.WAVE, file.toFile());
        }
    }
}
