package dev.kiln.runtime.data.prepared;

import dev.kiln.api.backend.CounterRng;
import dev.kiln.api.tokenizer.Tokenizer;
import dev.kiln.runtime.data.TextCorpus;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code kiln prepare}: tokenizes source files once into a prepared corpus (token shards + document
 * index per split, {@link PreparedManifest}). One thread reads the sources in order; pieces go in
 * work units to {@code threads} tokenizing threads and come back in order to the writers, so the
 * shards do not depend on the thread count. Each document goes to validation with probability
 * {@code validationFraction}, drawn from (seed, document number), unless validation files are given.
 * Every ~64 MiB of text the shards are made durable and {@link PreparationState} recorded: an
 * interrupted run, started again with the same settings, continues from there.
 */
public final class CorpusPreparer {
    /** Progress as the sources are read: bytes of the source files read so far of their total. */
    public interface Listener {
        void progress(long bytesRead, long bytesTotal, long tokens, double seconds);

        Listener NONE = (r, t, k, s) -> {};
    }

    /**
     * @param format       text | jsonl | tsv, or null for each file's extension
     * @param field        the JSONL / TSV field holding the document
     * @param separator    text documents' separator ({@code document_separator})
     * @param shardTokens  tokens per shard file
     */
    public record Settings(List<Path> train, List<Path> validation, String format, String field, String separator,
                           double validationFraction, long seed, long shardTokens, int threads) {}

    private static final int UNIT_CHARS = 1 << 20;
    static final long COMMIT_CHARS = 64L << 20;

    private final Tokenizer tokenizer;
    private final String fingerprint;
    private final Settings s;
    private final Listener listener;
    private final long commitChars;

    public CorpusPreparer(Tokenizer tokenizer, String fingerprint, Settings settings, Listener listener) {
        this(tokenizer, fingerprint, settings, listener, COMMIT_CHARS);
    }

    /** @param commitChars text read between durable commits (tests make it small) */
    CorpusPreparer(Tokenizer tokenizer, String fingerprint, Settings settings, Listener listener, long commitChars) {
        this.commitChars = commitChars;
        this.tokenizer = tokenizer;
        this.fingerprint = fingerprint;
        this.s = settings;
        this.listener = listener == null ? Listener.NONE : listener;
    }

    /** A piece bound for a split; tokens filled in by a worker. */
    private record Work(SourcePiece piece, boolean validation) {}

    private record Done(List<Work> unit, List<int[]> tokens, long textBytes) {}

    /** Prepares into {@code out} (resuming an unfinished run there) and returns the manifest. */
    public PreparedManifest prepare(Path out) throws IOException {
        String settingsKey = settingsKey();
        if (PreparedManifest.isPrepared(out)) {
            PreparedManifest m = PreparedManifest.read(out);
            throw new IOException(out + ": already holds a prepared corpus (" + m.splits().get("train").tokens()
                    + " training tokens); choose another --out or delete it to prepare again");
        }
        Files.createDirectories(out);
        PreparationState state = PreparationState.read(out);
        if (state != null && !state.settings().equals(settingsKey))
            throw new IOException(out + ": holds an unfinished preparation with other settings (tokenizer, sources or split);"
                    + " delete " + out + " or choose another --out");
        int width = tokenizer.vocabSize() <= 65536 ? 2 : 4;
        long totalBytes = 0;
        for (Path p : allSources()) totalBytes += Files.size(p);
        long t0 = System.nanoTime();
        AtomicLong bytesRead = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, s.threads()), r -> {
            Thread t = new Thread(r, "kiln-prepare");
            t.setDaemon(true);
            return t;
        });
        try (TokenSplitWriter train = state == null ? TokenSplitWriter.create(out, "train", width, s.shardTokens())
                : TokenSplitWriter.resume(out, "train", width, s.shardTokens(), state.train());
             TokenSplitWriter val = state == null ? TokenSplitWriter.create(out, "validation", width, s.shardTokens())
                : TokenSplitWriter.resume(out, "validation", width, s.shardTokens(), state.validation())) {
            long skip = state == null ? 0 : state.pieces(), pieces = 0, documents = 0, textBytes = state == null ? 0 : state.textBytes();
            long charsSinceCommit = 0;
            double lastReport = 0;
            ArrayDeque<Future<Done>> inFlight = new ArrayDeque<>();
            List<Work> unit = new ArrayList<>();
            int unitChars = 0, maxInFlight = 2 * Math.max(1, s.threads());
            boolean midDocument = false, toValidation = false;
            List<PreparedManifest.SourceFile> files = new ArrayList<>();
            for (Path file : allSources()) {
                boolean forcedValidation = s.validation().contains(file);
                SourceFormat how = new SourceFormat(s.format() != null ? s.format() : SourceFormat.of(file), s.field(), s.separator());
                try (SourceReader reader = new SourceReader(file, how, bytesRead, tailFrom(file, how))) {
                    for (SourcePiece p; (p = reader.next()) != null; ) {
                        if (!midDocument) {                                 // a new document: draw its split
                            toValidation = forcedValidation || (s.validation().isEmpty() && (tailSplit()
                                    ? documents == 1 : CounterRng.uniform(s.seed(), documents) < s.validationFraction()));
                            documents++;
                        }
                        midDocument = !p.endsDocument();
                        if (pieces++ < skip) continue;                      // written before the interruption
                        unit.add(new Work(p, toValidation));
                        unitChars += p.text().length();
                        charsSinceCommit += p.text().length();
                        if (unitChars >= UNIT_CHARS) {
                            inFlight.add(pool.submit(tokenizeTask(unit)));
                            unit = new ArrayList<>();
                            unitChars = 0;
                        }
                        while (inFlight.size() > maxInFlight) textBytes += write(inFlight.poll(), train, val);
                        if (charsSinceCommit >= commitChars && !midDocument) {       // a durable point between documents
                            if (!unit.isEmpty()) inFlight.add(pool.submit(tokenizeTask(unit)));
                            unit = new ArrayList<>();
                            unitChars = 0;
                            while (!inFlight.isEmpty()) textBytes += write(inFlight.poll(), train, val);
                            new PreparationState(settingsKey, pieces, documents, train.commit(), val.commit(), textBytes).write(out);
                            charsSinceCommit = 0;
                            listener.progress(bytesRead.get(), totalBytes, train.tokens() + val.tokens(), (System.nanoTime() - t0) / 1e9);
                        }
                        double secs = (System.nanoTime() - t0) / 1e9;
                        if (secs - lastReport >= 0.5) {
                            listener.progress(bytesRead.get(), totalBytes, train.tokens() + val.tokens(), secs);
                            lastReport = secs;
                        }
                    }
                    files.add(new PreparedManifest.SourceFile(file.toString(), Files.size(file), reader.sha256()));
                }
            }
            if (!unit.isEmpty()) inFlight.add(pool.submit(tokenizeTask(unit)));
            while (!inFlight.isEmpty()) textBytes += write(inFlight.poll(), train, val);
            train.commit();
            val.commit();
            double seconds = (System.nanoTime() - t0) / 1e9;
            listener.progress(bytesRead.get(), totalBytes, train.tokens() + val.tokens(), seconds);
            Map<String, PreparedManifest.Split> splits = new LinkedHashMap<>();
            splits.put("train", new PreparedManifest.Split(train.documents(), train.tokens()));
            splits.put("validation", new PreparedManifest.Split(val.documents(), val.tokens()));
            Map<String, Object> how = new LinkedHashMap<>();
            how.put("format", s.format() == null ? "by extension" : s.format());
            how.put("field", s.field());
            how.put("document_separator", s.separator());
            PreparedManifest manifest = new PreparedManifest(tokenizer.name(), tokenizer.vocabSize(), fingerprint, width, s.shardTokens(),
                    files, how, s.validation().isEmpty() ? s.validationFraction() : 0, s.seed(), splits, textBytes, seconds);
            manifest.write(out);
            Files.deleteIfExists(out.resolve(PreparationState.FILE));
            return manifest;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while preparing " + out + " (run again to resume)", e);
        } finally {
            pool.shutdownNow();
        }
    }

    private java.util.concurrent.Callable<Done> tokenizeTask(List<Work> unit) {
        return () -> tokenize(unit);
    }

    private Done tokenize(List<Work> unit) {
        List<int[]> ids = new ArrayList<>(unit.size());
        long bytes = 0;
        for (Work w : unit) {
            ids.add(tokenizer.encode(w.piece().text()));
            bytes += utf8Length(w.piece().text());
        }
        return new Done(unit, ids, bytes);
    }

    private static long write(Future<Done> f, TokenSplitWriter train, TokenSplitWriter val) throws IOException, InterruptedException {
        Done d;
        try {
            d = f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IOException(e.getCause());
        }
        for (int i = 0; i < d.unit().size(); i++) {
            Work w = d.unit().get(i);
            TokenSplitWriter to = w.validation() ? val : train;
            int[] ids = d.tokens().get(i);
            to.append(ids, 0, ids.length);
            if (w.piece().endsDocument()) to.endDocument();
        }
        return d.textBytes();
    }

    static long utf8Length(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) n++;
            else if (c < 0x800) n += 2;
            else if (Character.isHighSurrogate(c)) { n += 4; i++; }
            else n += 3;
        }
        return n;
    }

    /**
     * One uncompressed text file read as one document ({@code document_separator: none}) has no
     * documents to split: its last {@code validationFraction} share (cut at a line start) becomes the
     * validation document instead, as {@link dev.kiln.runtime.data.TextCorpus#split} does in memory.
     */
    private boolean tailSplit() {
        return s.validation().isEmpty() && s.train().size() == 1 && s.validationFraction() > 0
                && TextCorpus.WHOLE_FILE.equals(s.separator()) && !SourceFormat.gzipped(s.train().get(0))
                && SourceFormat.TEXT.equals(s.format() != null ? s.format() : SourceFormat.of(s.train().get(0)));
    }

    private long tailFrom(Path file, SourceFormat how) throws IOException {
        return tailSplit() && how.format().equals(SourceFormat.TEXT) ? Math.round(Files.size(file) * (1 - s.validationFraction())) : -1;
    }

    private List<Path> allSources() {
        List<Path> all = new ArrayList<>(s.train());
        all.addAll(s.validation());
        return all;
    }

    private String settingsKey() {
        return fingerprint + "|" + allSources() + "|" + s.format() + "|" + s.field() + "|" + s.separator() + "|" + s.validationFraction()
                + "|" + s.seed() + "|" + s.shardTokens() + "|" + s.validation();
    }
}
