package dev.kiln.runtime.train;

import dev.kiln.api.optim.Optimizer;
import dev.kiln.api.backend.HeapStorage;
import dev.kiln.api.tensor.Tensor;
import dev.kiln.runtime.io.Checkpoint;
import dev.kiln.runtime.io.CheckpointStore;
import dev.kiln.api.io.NamedTensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Training checkpoints in a {@link CheckpointStore}: weights, optimizer state and the {@link TrainState}. */
public final class StoreCheckpointer implements Checkpointer {
    private final CheckpointStore store;
    private final Map<String, Object> extra;
    private final boolean allowConfigChange;

    /** extra: saved into trainer.json as well (config snapshot, objective name, ...). */
    public StoreCheckpointer(CheckpointStore store, Map<String, Object> extra) {
        this(store, extra, false);
    }

    /**
     * @param extra saved into trainer.json as well; its {@code pipeline} entry (the config) must equal
     *              the checkpoint's to resume ({@link ResumeConfigCheck}) unless {@code allowConfigChange}
     */
    public StoreCheckpointer(CheckpointStore store, Map<String, Object> extra, boolean allowConfigChange) {
        this.store = store;
        this.extra = extra == null ? Map.of() : extra;
        this.allowConfigChange = allowConfigChange;
    }

    @Override
    public Path directory() { return store.root(); }

    @Override
    public Path save(TrainState st, Map<String, Tensor> parameters, Optimizer optimizer) {
        List<NamedTensor> weights = new ArrayList<>();
        for (var e : parameters.entrySet()) weights.add(new NamedTensor(e.getKey(), e.getValue().dims(), HeapStorage.readOnly(e.getValue().backend(), e.getValue().storage(), e.getValue().size())));   // the save is synchronous
        List<NamedTensor> optState = new ArrayList<>();
        for (var e : optimizer.state().entrySet()) optState.add(NamedTensor.vector(e.getKey(), e.getValue()));
        Map<String, Object> state = new LinkedHashMap<>(extra);
        state.put("epoch", st.epoch());
        state.put("batch_in_epoch", st.batchInEpoch());
        state.put("seed", st.seed());
        state.put("optimizer", optimizer.name());
        state.put("optimizer_steps", optimizer.steps());
        try {
            return store.save(st.step(), weights, optState, state);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint at step " + st.step() + " under " + store.root() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void markGood(long step) {
        try {
            store.markGood(step);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot mark checkpoint " + store.directory(step) + " good: " + e.getMessage(), e);
        }
    }

    @Override
    public long lastGood() {
        try {
            return store.lastGood().orElse(-1);
        } catch (IOException e) {
            return -1;
        }
    }

    @Override
    public Optional<TrainState> restoreLatest(Map<String, Tensor> parameters, Optimizer optimizer) {
        Optional<Checkpoint> latest;
        try {
            store.deleteIncomplete();                      // what interrupted saves left (a full checkpoint each)
            latest = store.loadLatest();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoints under " + store.root() + ": " + e.getMessage(), e);
        }
        if (latest.isEmpty()) return Optional.empty();
        Checkpoint c = latest.get();
        if (extra.get("pipeline") instanceof Map<?, ?> current)
            ResumeConfigCheck.check(c.directory(), c.trainerState().get("pipeline"), stringKeys(current), allowConfigChange);
        for (var e : parameters.entrySet()) {
            NamedTensor t = c.weight(e.getKey());
            if (!java.util.Arrays.equals(t.shape(), e.getValue().dims()))
                throw new IllegalStateException(c.directory() + ": size mismatch for '" + e.getKey() + "': the checkpoint has shape "
                        + java.util.Arrays.toString(t.shape()) + " but the model expects " + java.util.Arrays.toString(e.getValue().dims()) + ": a different model config?");
            e.getValue().copyFrom(t.data());
        }
        Map<String, float[]> opt = new LinkedHashMap<>();
        for (var e : c.optimizer().entrySet()) opt.put(e.getKey(), e.getValue().data());
        Map<String, Object> s = c.trainerState();
        optimizer.load(opt, number(s, "optimizer_steps", c));
        return Optional.of(new TrainState(c.step(), number(s, "epoch", c), number(s, "batch_in_epoch", c), number(s, "seed", c)));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> stringKeys(Map<?, ?> m) { return (Map<String, Object>) m; }

    private static long number(Map<String, Object> s, String key, Checkpoint c) {
        Object v = s.get(key);
        if (!(v instanceof Number n)) throw new IllegalStateException(c.directory() + "/trainer.json: missing number '" + key + "'");
        return n.longValue();
    }
}
