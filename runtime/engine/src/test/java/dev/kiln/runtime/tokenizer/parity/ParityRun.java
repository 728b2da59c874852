package dev.kiln.runtime.tokenizer.parity;

import dev.kiln.api.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs one {@link ParityCase} over every line of its text set. Encode: Kiln's ids must equal the
 * oracle's. Decode: Kiln's decode of the oracle's ids must equal the oracle's decode (special
 * tokens skipped when they were added). Prints "lines identical / total" and fails with the first
 * mismatch (both id lists, or both texts) and the numbers of the mismatching lines. A file Kiln
 * refuses to load fails every case with the refusal. Keeps one file's two tokenizers loaded at a
 * time (cases come file by file).
 */
final class ParityRun {
    private static final int MAX_LISTED = 20;
    private static String loadedName;
    private static Tokenizer kiln;
    private static RuntimeException kilnRefusal;
    private static HfOracle oracle;

    private ParityRun() {}

    static void check(ParityCase c) {
        c.file().requireDir();
        Throwable native_ = HfOracle.load();
        ParityEnv.require(native_ == null, "the Hugging Face tokenizers oracle (ai.djl.huggingface:tokenizers) did not load: " + native_);
        List<String> lines = TextSets.lines(c.textSet());
        load(c.file());
        if (kilnRefusal != null)
            fail(c.id() + ": Kiln cannot load " + c.file().name() + " (" + c.file().what() + "): " + kilnRefusal.getMessage(), kilnRefusal);
        boolean add = c.addSpecialTokens();
        Function<String, int[]> encode = c.decode() ? null : KilnSide.encoder(kiln, add);

        int[][] want = oracle.encodeAll(lines, add);
        int same = 0;
        String first = "";
        List<Integer> bad = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String mismatch = c.decode() ? decode(i, want[i], add) : encode(i, lines.get(i), encode, want[i]);
            if (mismatch == null) same++;
            else {
                if (first.isEmpty()) first = mismatch;
                if (bad.size() < MAX_LISTED) bad.add(i + 1);
            }
        }
        int n = lines.size();
        String summary = String.format(Locale.ROOT, "%s: %d/%d lines identical", c.id(), same, n);
        System.out.println("[tokenizer-parity] " + summary);
        if (same != n)
            fail(summary + "; mismatching lines: " + bad + (n - same > bad.size() ? " …" : "") + first);
    }

    /** Null when Kiln's ids are the oracle's, else the mismatch. */
    private static String encode(int i, String line, Function<String, int[]> encode, int[] want) {
        try {
            int[] got = encode.apply(line);
            return Arrays.equals(got, want) ? null : Mismatch.encode(i, line, got, null, want);
        } catch (RuntimeException e) {
            return Mismatch.encode(i, line, null, e.toString(), want);
        }
    }

    /** Null when Kiln decodes the oracle's ids to the oracle's text, else the mismatch. */
    private static String decode(int i, int[] ids, boolean skipSpecial) {
        String want = oracle.decode(ids, skipSpecial);
        try {
            String got = kiln.decode(ids, skipSpecial);
            return want.equals(got) ? null : Mismatch.decode(i, ids, Mismatch.quote(got), want);
        } catch (RuntimeException e) {
            return Mismatch.decode(i, ids, "threw " + e, want);
        }
    }

    private static synchronized void load(ParityFile f) {
        if (f.name().equals(loadedName)) return;
        if (oracle != null) oracle.close();
        kiln = null;
        kilnRefusal = null;
        oracle = null;
        loadedName = null;
        try {
            kiln = f.loadKiln();
        } catch (IOException e) {
            kilnRefusal = new UncheckedIOException(e);
        } catch (RuntimeException e) {
            kilnRefusal = e;
        }
        if (kilnRefusal == null) {                   // the oracle is only needed when Kiln has something to compare
            try {
                oracle = HfOracle.fromJson(f.oracleJson());
            } catch (IOException e) {
                throw new UncheckedIOException(f.name() + ": " + e.getMessage(), e);
            }
        }
        loadedName = f.name();
    }
}
