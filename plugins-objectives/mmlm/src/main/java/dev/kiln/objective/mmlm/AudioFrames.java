package dev.kiln.objective.mmlm;

import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.UnsupportedAudioFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An audio file (WAV, AIFF, AU — what {@code javax.sound.sampled} reads) as a sequence of frames:
 * decoded to 16-bit PCM, channels averaged to mono, values in [−1, 1), then cut into frames of
 * {@code frame} samples every {@code hop} samples (a clip shorter than one frame gives one
 * zero-padded frame), at most {@code maxFrames}. The file's sample rate must be {@code sampleRate}
 * (no resampling).
 */
final class AudioFrames {
    private final int frame, hop, maxFrames, sampleRate;

    AudioFrames(int frame, int hop, int maxFrames, int sampleRate) {
        this.frame = frame;
        this.hop = hop;
        this.maxFrames = maxFrames;
        this.sampleRate = sampleRate;
    }

    int dim() { return frame; }

    int maxFrames() { return maxFrames; }

    /** [n, frame] flattened, 1 ≤ n ≤ maxFrames. */
    float[] read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException("no audio file " + file);
        return frames(samples(file, sampleRate));
    }

    /** Mono samples in [−1, 1). */
    static float[] samples(Path file, int expectedRate) throws IOException {
        try (AudioInputStream in = AudioSystem.getAudioInputStream(file.toFile())) {
            AudioFormat f = in.getFormat();
            if (expectedRate > 0 && Math.round(f.getSampleRate()) != expectedRate)
                throw new IOException(file + " has sample rate " + Math.round(f.getSampleRate()) + " Hz, expected sample_rate = " + expectedRate);
            AudioFormat pcm = new AudioFormat(AudioFormat.Encoding.PCM_SIGNED, f.getSampleRate(), 16, f.getChannels(),
                    2 * f.getChannels(), f.getSampleRate(), false);
            try (AudioInputStream conv = AudioSystem.getAudioInputStream(pcm, in)) {
                byte[] bytes = conv.readAllBytes();
                int ch = f.getChannels(), n = bytes.length / (2 * ch);
                float[] out = new float[n];
                for (int i = 0; i < n; i++) {
                    float sum = 0;
                    for (int c = 0; c < ch; c++) {
                        int at = 2 * (i * ch + c);
                        sum += (short) ((bytes[at] & 0xFF) | (bytes[at + 1] << 8)) / 32768f;
                    }
                    out[i] = sum / ch;
                }
                return out;
            }
        } catch (UnsupportedAudioFileException e) {
            throw new IOException(file + " is not an audio file javax.sound.sampled can read (WAV, AIFF, AU): " + e.getMessage(), e);
        }
    }

    float[] frames(float[] x) {
        int n = x.length <= frame ? 1 : 1 + (x.length - frame) / hop;
        n = Math.min(n, maxFrames);
        float[] out = new float[n * frame];
        for (int k = 0; k < n; k++) System.arraycopy(x, k * hop, out, k * frame, Math.min(frame, x.length - k * hop));
        return out;
    }
}
