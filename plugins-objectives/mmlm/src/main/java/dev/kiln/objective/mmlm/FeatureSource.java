package dev.kiln.objective.mmlm;

import dev.kiln.api.data.Example;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The non-text half of an example: the file named by its {@code image} or {@code audio} field,
 * resolved against the example's base directory (the JSONL file's folder), read once and cached.
 */
final class FeatureSource {
    private final String modality;
    private final ImagePatches images;
    private final AudioFrames audio;
    private final Map<Path, float[]> cache = new HashMap<>();

    private FeatureSource(String modality, ImagePatches images, AudioFrames audio) {
        this.modality = modality;
        this.images = images;
        this.audio = audio;
    }

    static FeatureSource images(ImagePatches p) { return new FeatureSource("image", p, null); }

    static FeatureSource audio(AudioFrames a) { return new FeatureSource("audio", null, a); }

    int kind() { return images != null ? MmlmHead.IMAGE : MmlmHead.AUDIO; }

    int dim() { return images != null ? images.dim() : audio.dim(); }

    /** The most feature positions an example can have. */
    int maxPositions() { return images != null ? images.count() : audio.maxFrames(); }

    /** [n, dim] flattened. */
    float[] features(Example ex) {
        if (!ex.has(modality))
            throw new IllegalArgumentException(ex.source() + ": missing field '" + modality + "' (has: " + ex.fields().keySet()
                    + "); objective 'mmlm' with modality " + modality + " needs a path to the " + modality + " file");
        Path p = Path.of(ex.string(modality));
        Path file = (ex.baseDir() == null || p.isAbsolute() ? p : ex.baseDir().resolve(p)).normalize();
        synchronized (cache) {
            float[] hit = cache.get(file);
            if (hit != null) return hit;
        }
        try {
            float[] v = images != null ? images.read(file) : audio.read(file);
            synchronized (cache) { cache.put(file, v); }
            return v;
        } catch (IOException e) {
            throw new UncheckedIOException(ex.source() + ": " + e.getMessage(), e);
        }
    }
}
