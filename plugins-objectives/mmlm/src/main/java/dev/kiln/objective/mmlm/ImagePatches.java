package dev.kiln.objective.mmlm;

import javax.imageio.ImageIO;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An image file (PNG, JPEG, ... whatever {@code javax.imageio} reads) as a sequence of patch
 * vectors: resized (bilinear) to size × size, cut into (size / p)² non-overlapping p × p patches in
 * row-major order, each flattened row by row with its channels (RGB, or one gray channel) last,
 * values scaled from [0, 255] to [−1, 1] (ViT's patch embedding input).
 */
final class ImagePatches {
    private final int size, patch;
    private final boolean gray;

    ImagePatches(int size, int patch, boolean gray) {
        if (size % patch != 0) throw new IllegalArgumentException("image_size " + size + " is not a multiple of patch_size " + patch);
        this.size = size;
        this.patch = patch;
        this.gray = gray;
    }

    int count() { return (size / patch) * (size / patch); }

    int dim() { return patch * patch * (gray ? 1 : 3); }

    /** [count, dim] flattened. */
    float[] read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException("no image file " + file);
        BufferedImage src = ImageIO.read(file.toFile());
        if (src == null) throw new IOException(file + " is not an image javax.imageio can read (PNG, JPEG, GIF, BMP)");
        return patches(src);
    }

    float[] patches(BufferedImage src) {
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(src, 0, 0, size, size, null);
        g.dispose();
        int per = size / patch, ch = gray ? 1 : 3, d = dim();
        float[] out = new float[count() * d];
        for (int py = 0; py < per; py++)
            for (int px = 0; px < per; px++) {
                int base = (py * per + px) * d;
                for (int y = 0; y < patch; y++)
                    for (int x = 0; x < patch; x++) {
                        int rgb = img.getRGB(px * patch + x, py * patch + y);
                        int r = (rgb >> 16) & 0xFF, gr = (rgb >> 8) & 0xFF, b = rgb & 0xFF;
                        int at = base + (y * patch + x) * ch;
                        if (gray) out[at] = scale(0.299f * r + 0.587f * gr + 0.114f * b);
                        else { out[at] = scale(r); out[at + 1] = scale(gr); out[at + 2] = scale(b); }
                    }
            }
        return out;
    }

    private static float scale(float v) { return v / 127.5f - 1f; }
}
