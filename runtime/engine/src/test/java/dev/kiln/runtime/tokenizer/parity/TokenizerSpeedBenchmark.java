package dev.kiln.runtime.tokenizer.parity;

import dev.kiln.api.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Not a test: encoding speed on one core, Kiln against Hugging Face's Rust tokenizers (the parity
 * oracle, the same JNI library), in one run with the two alternating round by round. For GPT-2,
 * Llama 3 and WordPiece (bert-base-uncased), on tinyshakespeare and on the hard set repeated to about
 * 1 MB, each two ways: the whole text in one encode call, and line by line (Kiln: one call a line;
 * Rust: one batch call, which bench.sh keeps on one thread with RAYON_NUM_THREADS=1 and taskset).
 * The first round warms up (JIT, BPE caches) and is not counted; MB/s is UTF-8 bytes over the
 * median round. Prints a Markdown table.
 * Run: {@code bash runtime/engine/src/test/tokenizer-parity/bench.sh [ROUNDS]}.
 */
public final class TokenizerSpeedBenchmark {
    private record Result(String tokenizer, String text, double mb, double kiln, double rust, boolean sameIds) {}

    /** One side's work for one round: the ids of the input, flattened. */
    private interface Side {
        int[] run();
    }

    public static void main(String[] args) throws IOException {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Throwable t = HfOracle.load();
        if (t != null) throw new IllegalStateException("the Hugging Face tokenizers native library did not load", t);
        Path shakespeare = ParityEnv.shared("data", "tinyshakespeare", "input.txt")
                .orElseThrow(() -> new IllegalStateException("shared/data/tinyshakespeare/input.txt not found next to the clone"));
        String[][] texts = {
                {"tinyshakespeare", Files.readString(shakespeare, StandardCharsets.UTF_8)},
                {"hard set ×N", hardSetText(1_000_000)}};
        System.err.println("RAYON_NUM_THREADS=" + System.getenv("RAYON_NUM_THREADS") + ", TOKENIZERS_PARALLELISM="
                + System.getenv("TOKENIZERS_PARALLELISM"));
        List<Result> results = new ArrayList<>();
        for (String name : List.of("gpt2", "llama3", "bert-base-uncased")) {
            ParityFile f = ParityFiles.named(name);
            if (f.dir().isEmpty()) throw new IllegalStateException(name + ": " + f.missing());
            Tokenizer kiln = f.loadKiln();
            try (HfOracle rust = HfOracle.fromJson(f.oracleJson())) {
                for (String[] text : texts) {
                    String whole = text[1];
                    List<String> lines = List.of(whole.split("\n", -1));
                    double mb = whole.getBytes(StandardCharsets.UTF_8).length / 1e6;
                    results.add(run(name, text[0] + ", whole text", mb, () -> kiln.encode(whole), () -> rust.encode(whole, false), rounds));
                    results.add(run(name, text[0] + ", line by line", mb, () -> concat(lines.stream().map(kiln::encode).toList()),
                            () -> concat(Arrays.asList(rust.encodeAll(lines, false))), rounds));
                }
            }
        }
        System.out.println(table(results, rounds));
    }

    private static Result run(String tokenizer, String textName, double mb, Side kiln, Side rust, int rounds) {
        double[] k = new double[rounds], r = new double[rounds];
        int[] kIds = null, rIds = null;
        for (int i = 0; i <= rounds; i++) {          // round 0 warms up; the order alternates
            long a, b, t0;
            if (i % 2 == 0) {
                t0 = System.nanoTime(); kIds = kiln.run(); a = System.nanoTime() - t0;
                t0 = System.nanoTime(); rIds = rust.run(); b = System.nanoTime() - t0;
            } else {
                t0 = System.nanoTime(); rIds = rust.run(); b = System.nanoTime() - t0;
                t0 = System.nanoTime(); kIds = kiln.run(); a = System.nanoTime() - t0;
            }
            if (i > 0) {
                k[i - 1] = a / 1e9;
                r[i - 1] = b / 1e9;
            }
            System.err.printf(Locale.ROOT, "%s / %s round %d: kiln %.3f s, rust %.3f s%n", tokenizer, textName, i, a / 1e9, b / 1e9);
        }
        return new Result(tokenizer, textName, mb, mb / median(k), mb / median(r), Arrays.equals(kIds, rIds));
    }

    private static int[] concat(List<int[]> parts) {
        int n = 0;
        for (int[] p : parts) n += p.length;
        int[] out = new int[n];
        int at = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    /** The hard set's lines joined with newlines, repeated until about {@code bytes} UTF-8 bytes. */
    private static String hardSetText(int bytes) {
        String once = String.join("\n", TextSets.lines("hard")) + "\n";
        int n = Math.max(1, bytes / once.getBytes(StandardCharsets.UTF_8).length);
        return once.repeat(n);
    }

    private static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static String table(List<Result> results, int rounds) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "Host: %s, %d CPUs visible to the JVM; %s %s; Hugging Face tokenizers %s (DJL JNI)%n",
                cpu(), Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.name"), System.getProperty("java.version"),
                HfOracle.version()));
        b.append(String.format(Locale.ROOT, "Encode, one thread, median of %d rounds after one warm-up, Kiln and Rust alternating.%n%n", rounds));
        b.append("| tokenizer | text | MB | Kiln MB/s | HF tokenizers (Rust) MB/s | Kiln / Rust | same ids |\n");
        b.append("| --- | --- | ---: | ---: | ---: | ---: | --- |\n");
        for (Result r : results)
            b.append(String.format(Locale.ROOT, "| %s | %s | %.2f | %.2f | %.2f | %.2f | %s |%n", r.tokenizer(), r.text(), r.mb(), r.kiln(), r.rust(),
                    r.kiln() / r.rust(), r.sameIds() ? "yes" : "no"));
        return b.toString();
    }

    private static String cpu() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo")))
                if (line.startsWith("model name")) return line.substring(line.indexOf(':') + 1).trim();
        } catch (IOException | RuntimeException e) {
            // not Linux: fall through
        }
        return System.getProperty("os.arch");
    }
}
