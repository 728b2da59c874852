package dev.kiln.runtime.tokenizer;

import dev.kiln.api.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Not a test: single-thread encode / decode speed.
 * {@code TokenizerBenchmark TOKENIZER_PATH TEXT_FILE [ROUNDS]}, e.g.
 * {@code ../shared/data/gpt2-bpe ../shared/data/tinyshakespeare/input.txt}. Reports the first
 * pass (empty piece cache, JIT cold) and the best of the following rounds, each with a fresh
 * tokenizer (cold cache) and the same one again (warm cache).
 */
public final class TokenizerBenchmark {
    public static void main(String[] args) throws IOException {
        if (args.length < 2) throw new IllegalArgumentException("usage: TokenizerBenchmark TOKENIZER_PATH TEXT_FILE [ROUNDS]");
        Path tokPath = Path.of(args[0]);
        String text = Files.readString(Path.of(args[1]), StandardCharsets.UTF_8);
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        double mb = text.getBytes(StandardCharsets.UTF_8).length / 1e6;

        long t0 = System.nanoTime();
        Tokenizer tok = TokenizerFiles.load(tokPath);
        double load = secs(t0);
        System.out.printf(Locale.ROOT, "tokenizer: %s (loaded in %.2f s)%ntext: %s (%.3f MB)%n", tok, load, args[1], mb);

        t0 = System.nanoTime();
        int[] ids = tok.encode(text);
        double first = secs(t0);
        System.out.printf(Locale.ROOT, "first encode (cold JIT, empty cache): %.3f s = %.2f MB/s, %d tokens%n", first, mb / first, ids.length);

        double bestCold = Double.MAX_VALUE, bestWarm = Double.MAX_VALUE, bestDecode = Double.MAX_VALUE;
        boolean roundTrips = true;
        for (int r = 0; r < rounds; r++) {
            Tokenizer fresh = TokenizerFiles.load(tokPath);
            t0 = System.nanoTime();
            int[] a = fresh.encode(text);
            bestCold = Math.min(bestCold, secs(t0));
            t0 = System.nanoTime();
            int[] b = fresh.encode(text);
            bestWarm = Math.min(bestWarm, secs(t0));
            if (a.length != ids.length || b.length != ids.length) throw new IllegalStateException("encodings differ between rounds");
            t0 = System.nanoTime();
            String back = fresh.decode(b);
            bestDecode = Math.min(bestDecode, secs(t0));
            roundTrips &= back.equals(text);
        }
        System.out.printf(Locale.ROOT, "encode, empty cache (best of %d): %.3f s = %.2f MB/s%n", rounds, bestCold, mb / bestCold);
        System.out.printf(Locale.ROOT, "encode, warm cache  (best of %d): %.3f s = %.2f MB/s (%.0f ktok/s)%n", rounds, bestWarm, mb / bestWarm,
                ids.length / bestWarm / 1e3);
        System.out.printf(Locale.ROOT, "decode              (best of %d): %.3f s = %.2f MB/s; decode(encode(text)) %s text%n", rounds, bestDecode,
                mb / bestDecode, roundTrips ? "==" : "!=");
    }

    private static double secs(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
