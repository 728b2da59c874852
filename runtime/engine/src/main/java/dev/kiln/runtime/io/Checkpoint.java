package dev.kiln.runtime.io;

import dev.kiln.api.io.NamedTensor;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A checkpoint read back by {@link CheckpointStore}: the model weights and optimizer state by
 * tensor name (in file order) and the trainer state from {@code trainer.json} (always holding
 * {@code "step"}; JSON integers come back as {@link Long}, fractions as {@link Double}, lists as
 * {@link java.util.List}, objects as {@link Map}).
 */
public record Checkpoint(Path directory, long step, Map<String, NamedTensor> model,
                         Map<String, NamedTensor> optimizer, Map<String, Object> trainerState) {

    public Checkpoint {
        model = Collections.unmodifiableMap(new LinkedHashMap<>(model));
        optimizer = Collections.unmodifiableMap(new LinkedHashMap<>(optimizer));
        trainerState = Collections.unmodifiableMap(new LinkedHashMap<>(trainerState));
    }

    /** The weights of one parameter; an unknown name is an error naming the checkpoint. */
    public NamedTensor weight(String name) {
        NamedTensor t = model.get(name);
        if (t == null) {
            throw new IllegalArgumentException(directory + ": no model tensor '" + name + "' (has " + model.size() + ")");
        }
        return t;
    }
}
