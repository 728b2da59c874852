package dev.kiln.runtime.io;

import dev.kiln.api.io.AtomicFiles;
import dev.kiln.api.io.NamedTensor;
import dev.kiln.api.io.SafetensorsException;
import dev.kiln.api.io.SafetensorsFile;
import dev.kiln.api.io.SafetensorsWriter;
import dev.kiln.api.io.Json;
import dev.kiln.api.io.JsonException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Checkpoints of one training run under a root directory:
 * <pre>
 * root/
 *   step-000100/            model.safetensors, optimizer.safetensors, trainer.json
 *   step-000200/
 *   step-000300.tmp-9f../   being written (or abandoned by a crash): never loaded
 *   latest                  "step-000200": updated atomically after the directory is complete
 * </pre>
 * A checkpoint is written into a {@code .tmp-} directory and renamed into place only when every
 * file is written and fsynced, so a crash leaves either the old or the new checkpoint, never a
 * partial one. {@code keepLast} prunes older checkpoints but never the newest one, the one
 * {@code latest} names, nor the one {@code last-good} names (so a run whose weights blew up slowly
 * keeps a sane checkpoint however many bad ones followed). One writer per root at a time.
 */
public final class CheckpointStore {
    public static final String MODEL_FILE = "model.safetensors";
    public static final String OPTIMIZER_FILE = "optimizer.safetensors";
    public static final String TRAINER_FILE = "trainer.json";
    public static final String LATEST_FILE = "latest";
    /** Names the newest checkpoint saved while the loss was sane ({@link #markGood}); pruning never removes it. */
    public static final String LAST_GOOD_FILE = "last-good";

    private static final Pattern STEP_DIR = Pattern.compile("step-(\\d{6,18})");

    private final Path root;
    private final int keepLast;

    /** @param keepLast how many of the newest checkpoints to keep; 0 or less keeps all */
    public CheckpointStore(Path root, int keepLast) {
        this.root = root;
        this.keepLast = keepLast;
    }

    /** A store that keeps every checkpoint. */
    public CheckpointStore(Path root) {
        this(root, 0);
    }

    public Path root() { return root; }

    /** The directory of the checkpoint for {@code step}: {@code step-000123}. */
    public Path directory(long step) {
        return root.resolve(dirName(step));
    }

    /**
     * Writes a complete checkpoint for {@code step}, points {@code latest} at it and prunes.
     * {@code trainerState} (epoch, RNG state, config snapshot, ...) is stored as JSON together
     * with {@code "step"} ({@link Json#pretty}: whole numbers read back as {@code Long}, whole
     * doubles too). An existing checkpoint for the same step is replaced.
     *
     * @return the checkpoint directory
     */
    public Path save(long step, Collection<NamedTensor> model, Collection<NamedTensor> optimizer,
                     Map<String, ?> trainerState) throws IOException {
        if (step < 0) throw new IllegalArgumentException(root + ": checkpoint step must be >= 0, got " + step);
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("step", step);
        if (trainerState != null) {
            for (Map.Entry<String, ?> e : trainerState.entrySet()) {
                if (e.getKey().equals("step")) {
                    if (!(e.getValue() instanceof Number n) || n.longValue() != step) {
                        throw new IllegalArgumentException(root + ": trainer state key 'step' = " + e.getValue()
                                + " contradicts the checkpoint step " + step);
                    }
                    continue;
                }
                state.put(e.getKey(), e.getValue());
            }
        }
        byte[] trainerJson;                                   // fail on unserializable state before touching disk
        try {
            trainerJson = (Json.pretty(state) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IOException(root + ": trainer state for step " + step + " cannot be written as JSON: " + e.getMessage(), e);
        }
        Files.createDirectories(root);
        String name = dirName(step);
        Path tmp = AtomicFiles.tempSibling(root, name);
        Files.createDirectory(tmp);
        Path target = root.resolve(name);
        try {
            Map<String, String> meta = Map.of("format", "pt", "kiln.step", Long.toString(step));
            SafetensorsWriter.writeFloats(tmp.resolve(MODEL_FILE), model, meta);
            SafetensorsWriter.writeFloats(tmp.resolve(OPTIMIZER_FILE), optimizer, meta);
            AtomicFiles.write(tmp.resolve(TRAINER_FILE), out -> out.write(trainerJson));
            AtomicFiles.fsyncDirectory(tmp);
            Path replaced = null;
            if (Files.exists(target)) {
                replaced = AtomicFiles.tempSibling(root, name);
                AtomicFiles.moveAtomically(target, replaced);
            }
            AtomicFiles.moveAtomically(tmp, target);
            AtomicFiles.fsyncDirectory(root);
            if (replaced != null) deleteTree(replaced);
        } catch (Throwable t) {
            try {
                deleteTree(tmp);
            } catch (IOException | RuntimeException suppressed) {
                t.addSuppressed(suppressed);
            }
            throw t;
        }
        AtomicFiles.writeString(root.resolve(LATEST_FILE), name + "\n");
        prune();
        return target;
    }

    /** Steps of the complete checkpoints, ascending. */
    public List<Long> completeSteps() throws IOException {
        TreeSet<Long> steps = new TreeSet<>();
        if (!Files.isDirectory(root)) return List.of();
        try (Stream<Path> s = Files.list(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Matcher m = STEP_DIR.matcher(p.getFileName().toString());
                if (m.matches() && isComplete(p)) steps.add(Long.parseLong(m.group(1)));
            }
        }
        return new ArrayList<>(steps);
    }

    /**
     * The newest complete step. A step directory appears only once its files are written (it is
     * renamed into place), so it is trusted even when a crash came before {@code latest} was updated
     * to name it; the pointer is for people and for {@link #prune}.
     */
    public OptionalLong latestStep() throws IOException {
        List<Long> steps = completeSteps();
        return steps.isEmpty() ? OptionalLong.empty() : OptionalLong.of(steps.get(steps.size() - 1));
    }

    /** The latest complete checkpoint, or empty when there is none; incomplete directories are ignored. */
    public Optional<Checkpoint> loadLatest() throws IOException {
        OptionalLong step = latestStep();
        return step.isPresent() ? Optional.of(load(step.getAsLong())) : Optional.empty();
    }

    /** The checkpoint for {@code step}; a missing or damaged one is an error naming the file. */
    public Checkpoint load(long step) throws IOException {
        return read(directory(step));
    }

    /** Reads a checkpoint directory written by a store. */
    public static Checkpoint read(Path dir) throws IOException {
        Matcher m = STEP_DIR.matcher(dir.getFileName().toString());
        if (!m.matches()) throw new SafetensorsException(dir + ": not a checkpoint directory (expected a name like step-000123)");
        long step = Long.parseLong(m.group(1));
        if (!Files.isDirectory(dir)) throw new NoSuchFileException(dir.toString(), null, "no checkpoint for step " + step);
        Map<String, Object> state = readTrainerState(dir.resolve(TRAINER_FILE));
        Object s = state.get("step");
        if (!(s instanceof Number n) || n.longValue() != step) {
            throw new SafetensorsException(dir.resolve(TRAINER_FILE) + ": key 'step' = " + s + ", expected " + step);
        }
        return new Checkpoint(dir, step, readAll(dir.resolve(MODEL_FILE)), readAll(dir.resolve(OPTIMIZER_FILE)), state);
    }

    /** Deletes complete checkpoints beyond the newest {@code keepLast}, keeping the one {@code latest} names. */
    public void prune() throws IOException {
        if (keepLast <= 0) return;
        List<Long> steps = completeSteps();
        OptionalLong pointed = pointer(), good = lastGood();
        for (int i = 0; i < steps.size() - keepLast; i++) {
            long step = steps.get(i);
            if (pointed.isPresent() && pointed.getAsLong() == step || good.isPresent() && good.getAsLong() == step) continue;
            Path doomed = AtomicFiles.tempSibling(root, dirName(step));
            AtomicFiles.moveAtomically(directory(step), doomed);   // vanishes from the complete set at once
            deleteTree(doomed);
        }
    }

    /**
     * Deletes directories and files left by interrupted saves ({@code *.tmp-*}). Call it only when
     * no other process is saving into this root.
     *
     * @return how many entries were removed
     */
    public int deleteIncomplete() throws IOException {
        if (!Files.isDirectory(root)) return 0;
        List<Path> stale = new ArrayList<>();
        try (Stream<Path> s = Files.list(root)) {
            s.filter(AtomicFiles::isTemporary).forEach(stale::add);
        }
        for (Path p : stale) deleteTree(p);
        return stale.size();
    }

    // ---- internals ----

    private static String dirName(long step) {
        return String.format(Locale.ROOT, "step-%06d", step);
    }

    private static boolean isComplete(Path dir) {
        return Files.isDirectory(dir) && !AtomicFiles.isTemporary(dir)
                && Files.isRegularFile(dir.resolve(MODEL_FILE))
                && Files.isRegularFile(dir.resolve(OPTIMIZER_FILE))
                && Files.isRegularFile(dir.resolve(TRAINER_FILE));
    }

    /** Records the complete checkpoint of {@code step} as the last good one (atomically). */
    public void markGood(long step) throws IOException {
        if (!isComplete(directory(step))) throw new IllegalArgumentException("no complete checkpoint " + directory(step));
        AtomicFiles.writeString(root.resolve(LAST_GOOD_FILE), dirName(step) + "\n");
    }

    /** The step of the last good checkpoint, if one was marked and is still complete. */
    public OptionalLong lastGood() throws IOException {
        OptionalLong step = stepIn(root.resolve(LAST_GOOD_FILE));
        return step.isPresent() && isComplete(directory(step.getAsLong())) ? step : OptionalLong.empty();
    }

    private OptionalLong pointer() throws IOException {
        return stepIn(root.resolve(LATEST_FILE));
    }

    private static OptionalLong stepIn(Path latest) throws IOException {
        if (!Files.isRegularFile(latest)) return OptionalLong.empty();
        String text = Files.readString(latest, StandardCharsets.UTF_8).trim();
        Matcher m = STEP_DIR.matcher(text);
        return m.matches() ? OptionalLong.of(Long.parseLong(m.group(1))) : OptionalLong.empty();
    }

    private static Map<String, NamedTensor> readAll(Path file) throws IOException {
        Map<String, NamedTensor> out = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (String name : f.names()) out.put(name, f.tensor(name));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> readTrainerState(Path file) throws IOException {
        Object v;
        try {
            v = Json.read(file);
        } catch (JsonException e) {
            SafetensorsException named = new SafetensorsException(file + ": malformed JSON at line " + e.line() + ", column " + e.column() + ": " + e.problem());
            named.addSuppressed(e);                             // not a cause: its message says the same again
            throw named;
        }
        if (!(v instanceof Map)) throw new SafetensorsException(file + ": expected a JSON object");
        return (Map<String, Object>) v;
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                if (exc != null) throw exc;
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
