package dev.kiln.cli;

/**
 * What the command is doing right now, in a few words ("training, step 120/600"), kept so that an
 * {@link OutOfMemoryError} can say what ran out of memory.
 */
final class Activity {
    private static volatile String current = "starting";

    private Activity() {}

    static void set(String what) { current = what; }

    static String current() { return current; }

    /**
     * One line for an out-of-memory error: the heap's size, what was being done, and how to raise it.
     * Example: {@code out of memory (Java heap: 512 MiB) while training, step 3/20; raise the heap with KILN_JAVA_OPTS=-Xmx1g ...}.
     */
    static String outOfMemory(OutOfMemoryError e) {
        long maxMib = Runtime.getRuntime().maxMemory() >> 20;
        long suggest = Math.max(1, Math.round(maxMib * 2 / 1024.0));
        String kind = e.getMessage() == null || e.getMessage().isBlank() ? "Java heap space" : e.getMessage();
        return "out of memory (" + kind + "; the heap is at most " + maxMib + " MiB) while " + current
                + ". Raise the heap with KILN_JAVA_OPTS=-Xmx" + suggest + "g (./kiln adds -Xmx4g unless KILN_JAVA_OPTS sets -Xmx),"
                + " or make each step smaller (train.batch_size, train.seq_len, train.eval_batches).";
    }

    /** The OutOfMemoryError among e and its causes, or null. */
    static OutOfMemoryError outOfMemoryIn(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof OutOfMemoryError oom) return oom;
            if (t.getCause() == t) break;
        }
        return null;
    }
}
