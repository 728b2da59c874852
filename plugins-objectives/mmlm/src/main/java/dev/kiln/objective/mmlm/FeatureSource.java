package dev.kiln.objective.mmlm;

import dev.kiln.api.data.Example;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;

/**
 * The non-text half of an example: the file named by its {@code image} or {@code audio} field,
 * resolved against the example's base directory (the JSONL file's folder). Decoded features are
 * kept in a least-recently-used cache of at most {@link #CACHE_FLOATS} values (32 MiB), so a corpus
 * with more media than memory streams through in constant memory while a small one is decoded once.
 */
final class FeatureSource {
    /** Feature values the cache may hold; the least recently used files are dropped beyond it. */
    static final long CACHE_FLOATS = 8L << 20;

    private final String modality;
    private final ImagePatches images;
    private final AudioFrames audio;
    private final LinkedHashMap<Path, float[]> cache = new LinkedHashMap<>(64, 0.75f, true);      // access order
    private long cachedFloats, cacheLimit = CACHE_FLOATS;

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

    private void remember(Path file, float[] v) {
        synchronized (cache) {
            float[] old = cache.put(file, v);
            cachedFloats += v.length - (old == null ? 0 : old.length);
            for (var it = cache.entrySet().iterator(); cachedFloats > cacheLimit && cache.size() > 1 && it.hasNext(); ) {
                float[] dropped = it.next().getValue();
                if (dropped == v) continue;
                cachedFloats -= dropped.length;
                it.remove();
            }
        }
    }

    /** Sets the cache's size in feature values (tests). */
    void cacheLimit(long floats) {
        synchronized (cache) { cacheLimit = floats; }
    }

    /** Files the cache holds now (tests). */
    int cachedFiles() {
        synchronized (cache) { return cache.size(); }
    }

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
            remember(file, v);
            return v;
        } catch (IOException e) {
            throw new UncheckedIOException(ex.source() + ": " + e.getMessage(), e);
        }
    }
}
