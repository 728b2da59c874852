package dev.kiln.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.kiln.cli.ModelDirectories.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code kiln chat} in a real terminal: a separate JVM under a pseudo-terminal ({@code script -q -c CMD /dev/null},
 * util-linux), typed at line by line. The streamed answers must be the ones the in-process chat gives for the same
 * conversation (greedy), with the terminal's line endings; /reset must start the conversation afresh.
 */
class ChatTerminalTest {
    private static final long WAIT_MS = 60_000;

    @TempDir
    Path tmp;

    @Test
    void typingTwoTurnsStreamsTheAnswersAndResetForgetsThem() throws Exception {
        assertTrue(Files.isExecutable(Path.of("/usr/bin/script")) || Files.isExecutable(Path.of("/bin/script")),
                "util-linux 'script' is needed to give kiln chat a terminal");
        Path model = chatModel(tmp.resolve("m"));
        String[] args = {"chat", "--model", model.toString(), "--greedy", "--max-new-tokens", "6"};
        Cli expected = kilnWithInput("Hello\nHow are you?\n", args);
        assertEquals(0, expected.code(), expected.err());
        String[] turns = expected.out().split("> ", -1);
        assertEquals(4, turns.length, expected.out());
        String first = terminal(turns[1]), second = terminal(turns[2]);

        Process p = start(args);
        ByteArrayOutputStream screen = new ByteArrayOutputStream();
        Thread reader = pump(p.getInputStream(), screen);
        try (OutputStream keys = p.getOutputStream()) {
            int at = waitFor(screen, "> ", 0);
            type(keys, "Hello\n");
            at = waitFor(screen, "Hello\r\n" + first + "> ", at);
            type(keys, "How are you?\n");
            at = waitFor(screen, "How are you?\r\n" + second + "> ", at);
            type(keys, "/reset\n");
            at = waitFor(screen, "(history cleared)\r\n> ", at);
            type(keys, "Hello\n");
            at = waitFor(screen, "Hello\r\n" + first + "> ", at);
            type(keys, "/exit\n");
            assertTrue(p.waitFor(WAIT_MS, TimeUnit.MILLISECONDS), "kiln chat did not end after /exit:\n" + text(screen));
            assertTrue(at > 0);
        } finally {
            p.destroyForcibly();
            reader.join(5_000);
        }
        assertEquals(0, p.exitValue(), text(screen));
    }

    /** What the terminal shows for program output: \n becomes \r\n (the tty's ONLCR). */
    private static String terminal(String out) {
        return out.replace("\n", "\r\n");
    }

    private Process start(String[] args) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx512m", "--add-modules", "jdk.incubator.vector", "-cp",
                System.getProperty("java.class.path"), KilnCli.class.getName()));
        cmd.addAll(List.of(withPlugins(args)));
        StringBuilder line = new StringBuilder();
        for (String c : cmd) line.append('\'').append(c.replace("'", "'\\''")).append("' ");
        ProcessBuilder pb = new ProcessBuilder("script", "-q", "-e", "-c", line.toString().strip(), "/dev/null");
        pb.redirectErrorStream(true);
        pb.environment().put("TERM", "dumb");
        return pb.start();
    }

    private static Thread pump(InputStream in, ByteArrayOutputStream screen) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[4096];
            try {
                for (int n; (n = in.read(buf)) > 0; ) {
                    synchronized (screen) {
                        screen.write(buf, 0, n);
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "chat-terminal-reader");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void type(OutputStream keys, String text) throws IOException {
        keys.write(text.getBytes(StandardCharsets.UTF_8));
        keys.flush();
    }

    /** Waits until {@code what} appears at or after {@code from}; returns the index after it. */
    private static int waitFor(ByteArrayOutputStream screen, String what, int from) throws InterruptedException {
        long end = System.currentTimeMillis() + WAIT_MS;
        while (System.currentTimeMillis() < end) {
            String s = text(screen);
            int i = s.indexOf(what, from);
            if (i >= 0) return i + what.length();
            Thread.sleep(50);
        }
        fail("the terminal never showed '" + what.replace("\r", "\\r").replace("\n", "\\n")
                + "' after character " + from + "; it shows:\n" + text(screen).replace("\r", "\\r"));
        return -1;
    }

    private static String text(ByteArrayOutputStream screen) {
        synchronized (screen) {
            return screen.toString(StandardCharsets.UTF_8);
        }
    }
}
