package dev.kiln.api.tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * The no-grad counterpart of backward's release: while a scope is open on a thread, every op result made
 * there that is not on the tape is recorded, and closing the scope releases their storages to the
 * backend, except the ones {@link #keep} names, any a {@link Tensor#detach()} shares and views (a result
 * sharing an input's storage, which may be one from outside the scope). For a pure function whose
 * intermediates nobody holds afterwards: the no-grad forward of a checkpointed segment, and the stretches
 * of a training forward computed from frozen weights alone ({@link #closeKeeping}).
 */
public final class ScratchScope implements AutoCloseable {
    private static final ThreadLocal<ScratchScope> CURRENT = new ThreadLocal<>();

    private final ScratchScope outer;
    private final List<Tensor> results = new ArrayList<>();
    private final Set<Storage> kept = Collections.newSetFromMap(new IdentityHashMap<>());
    private boolean closed;

    private ScratchScope(ScratchScope outer) {
        this.outer = outer;
    }

    /** Opens a scope on this thread (scopes nest: a result goes to the innermost). */
    public static ScratchScope open() {
        ScratchScope s = new ScratchScope(CURRENT.get());
        CURRENT.set(s);
        return s;
    }

    /** Called by {@link Tensor#result} for a result off the tape. */
    static void record(Tensor t) {
        ScratchScope s = CURRENT.get();
        if (s != null) s.results.add(t);
    }

    /** t's storage (and so every view sharing it) survives the scope. */
    public ScratchScope keep(Tensor t) {
        kept.add(t.storage());
        return this;
    }

    /**
     * Closes the scope keeping {@code out}, for a stretch of a training forward that may or may not touch
     * trainable weights: when {@code out} needs no gradient, nothing in the stretch was recorded on the tape
     * and its intermediates are released; when it does, the tape may read them in backward and nothing is.
     */
    public void closeKeeping(Tensor out) {
        if (out == null || out.requiresGrad()) results.clear();
        else keep(out);
        close();
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        CURRENT.set(outer);
        for (Tensor t : results) if (t.storageEscaped()) kept.add(t.storage());
        for (Tensor t : results) if (!kept.contains(t.storage())) t.releaseStorage();
    }
}
