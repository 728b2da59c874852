package dev.kiln.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command line of the CLI in a child JVM (this test run's JDK and class path, the test plugins), for tests that need a process of its own. */
final class ChildKiln {
    private ChildKiln() {}

    /** @param heap e.g. "-Xmx256m"; {@code args} follow the global options (a command and its options) */
    static List<String> command(String heap, List<String> globalOptions, String... args) {
        return command(List.of(heap), globalOptions, args);
    }

    /** As above with JVM options of the caller's (the heap among them). */
    static List<String> command(List<String> jvmOptions, List<String> globalOptions, String... args) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"), KilnCli.class.getName()));
        cmd.addAll(globalOptions);
        cmd.addAll(List.of("--plugins", Path.of("target/test-plugins").toAbsolutePath().toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }
}
