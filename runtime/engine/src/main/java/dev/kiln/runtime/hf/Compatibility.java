package dev.kiln.runtime.hf;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Collects every backbone setting an architecture cannot express, then fails once naming them all. */
final class Compatibility {
    private final String architecture;
    private final List<String> problems = new ArrayList<>();

    private Compatibility(String architecture) {
        this.architecture = architecture;
    }

    static Compatibility of(String architecture) {
        return new Compatibility(architecture);
    }

    Compatibility need(String key, Object actual, Object required) {
        if (!Objects.equals(actual, required)) problems.add(key + " is " + shown(actual) + " (needs " + shown(required) + ")");
        return this;
    }

    /** Enum choices as config files spell them (rotary, rmsnorm). */
    private static Object shown(Object v) {
        return v instanceof Enum<?> e ? e.name().toLowerCase(java.util.Locale.ROOT) : v;
    }

    void check() throws HfCheckpointException {
        if (!problems.isEmpty())
            throw new HfCheckpointException(architecture + " cannot hold this model: " + String.join("; ", problems));
    }
}
