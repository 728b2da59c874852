import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Generates the mmlm sample data set (deterministic): 12 × 12 PNGs of one to three shapes of one
 * colour, in distinct quadrants, and captions "two red circle" in train.jsonl / validation.jsonl
 * (image paths relative to the JSONL file). Every caption word can only be read off the image.
 *
 * Run from the repository root:  java samples/data/mmlm-shapes/GenerateShapes.java samples/data/mmlm-shapes
 */
public class GenerateShapes {
    static final String[] COLOURS = {"red", "green", "blue", "yellow"};
    static final Color[] RGB = {new Color(220, 30, 30), new Color(30, 170, 40), new Color(40, 60, 220), new Color(235, 215, 20)};
    static final String[] SHAPES = {"circle", "square", "triangle"};
    static final String[] COUNTS = {"one", "two", "three"};
    static final int SIZE = 12;

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : ".");
        Files.createDirectories(dir.resolve("img"));
        write(dir, "train", 10, 1);
        write(dir, "validation", 2, 2);
    }

    static void write(Path dir, String split, int perCombo, long seed) throws IOException {
        Random rng = new Random(seed);
        StringBuilder jsonl = new StringBuilder();
        int i = 0;
        for (int rep = 0; rep < perCombo; rep++)
            for (int count = 0; count < 3; count++)
                for (int colour = 0; colour < 4; colour++)
                    for (int shape = 0; shape < 3; shape++, i++) {
                        String name = "img/" + split + "-" + i + ".png";
                        draw(dir.resolve(name), count + 1, colour, shape, rng);
                        jsonl.append("{\"text\": \"").append(COUNTS[count]).append(' ').append(COLOURS[colour]).append(' ')
                                .append(SHAPES[shape]).append("\", \"image\": \"").append(name).append("\"}\n");
                    }
        Files.writeString(dir.resolve(split + ".jsonl"), jsonl, StandardCharsets.UTF_8);
    }

    static void draw(Path file, int count, int colour, int shape, Random rng) throws IOException {
        BufferedImage img = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, SIZE, SIZE);
        g.setColor(RGB[colour]);
        int cell = SIZE / 2, s = cell * 3 / 4;
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
}
