package dev.kiln.cli;

import dev.kiln.runtime.train.StopRequest;
import dev.kiln.runtime.train.TrainingInterruptedException;
import sun.misc.Signal;

import java.io.PrintWriter;

/**
 * SIGTERM and SIGINT for the command line. While training runs, the first signal asks the trainer to
 * stop at the next step boundary ({@link StopRequest}): on SIGTERM (a scheduler or container stopping
 * the job) after saving a checkpoint, on SIGINT (Ctrl-C) without one; the trainer's
 * {@link TrainingInterruptedException} then says where to resume from and the process exits 143 / 130,
 * as if killed by the signal. A second signal, or one outside training, exits at once.
 */
final class Interrupts {
    static final int SIGINT_EXIT = 130, SIGTERM_EXIT = 143;
    private static volatile boolean requested;

    private Interrupts() {}

    /** Installs the handlers (the process entry point only; tests drive {@link StopRequest} directly). */
    static void install(PrintWriter err) {
        handle("TERM", "SIGTERM", true, SIGTERM_EXIT, err);
        handle("INT", "SIGINT", false, SIGINT_EXIT, err);
    }

    private static void handle(String signal, String name, boolean checkpoint, int exitCode, PrintWriter err) {
        try {
            Signal.handle(new Signal(signal), s -> {
                if (requested || !StopRequest.trainingRuns()) {
                    err.println("kiln: interrupted by " + name);
                    err.flush();
                    Runtime.getRuntime().halt(exitCode);
                }
                requested = true;
                StopRequest.request(name, checkpoint);
                err.println("kiln: " + name + ": stopping after this step" + (checkpoint ? " and saving a checkpoint" : "")
                        + " (" + (checkpoint ? "send it again" : "Ctrl-C again") + " to quit at once)");
                err.flush();
            });
        } catch (IllegalArgumentException e) {
            // the platform has no such signal (or the JVM reserves it): keep its default behaviour
        }
    }

    /** The exit code for an interrupted run: as if the signal had killed the process. */
    static int exitCode(TrainingInterruptedException e) {
        return e.reason().equals("SIGTERM") ? SIGTERM_EXIT : SIGINT_EXIT;
    }
}
