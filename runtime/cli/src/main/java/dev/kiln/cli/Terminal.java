package dev.kiln.cli;

import java.io.Console;
import java.lang.reflect.Method;

/** Whether the output is an interactive terminal (redrawn progress lines) or a file / pipe (log lines). */
final class Terminal {
    private Terminal() {}

    /**
     * {@code System.console() != null} on JDK 17–21. From JDK 22 a console exists even when redirected,
     * so its {@code isTerminal()} (public API since 22, looked up by name to compile on 17) decides.
     */
    static boolean isInteractive() {
        Console console = System.console();
        if (console == null) return false;
        try {
            Method isTerminal = Console.class.getMethod("isTerminal");
            return (Boolean) isTerminal.invoke(console);
        } catch (NoSuchMethodException e) {
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }
}
