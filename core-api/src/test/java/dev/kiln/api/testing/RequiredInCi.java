package dev.kiln.api.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A test that needs something outside the repository (shared data, a browser) skips with a reason
 * on a developer's machine and fails under CI ({@code CI=true}), where a skip would prove nothing.
 */
public final class RequiredInCi {
    private RequiredInCi() {}

    public static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Returns when {@code present}; otherwise a skip naming {@code why}, or a failure under CI. */
    public static void require(boolean present, String why) {
        if (present) return;
        if (inCi()) fail(why + "; CI=true, so this test must not be skipped");
        assumeTrue(false, why + ": skipping");
    }
}
