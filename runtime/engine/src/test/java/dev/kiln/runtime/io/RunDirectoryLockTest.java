package dev.kiln.runtime.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** One run per --out: a live run in another process is refused by PID; a dead one's lock is taken over. */
class RunDirectoryLockTest {

    /** Holds the lock of args[0] until its stdin closes (the other process of the test). */
    public static void main(String[] args) throws Exception {
        try (RunDirectoryLock lock = RunDirectoryLock.acquire(Path.of(args[0]), null)) {
            System.out.println("locked");
            System.out.flush();
            System.in.read();
        }
    }

    @Test
    void aLiveRunInAnotherProcessIsRefusedAndADeadOnesLockTakenOver(@TempDir Path out) throws Exception {
        Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), RunDirectoryLockTest.class.getName(), out.toString())
                .redirectErrorStream(true).start();
        try {
            String first = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8)).readLine();
            assertEquals("locked", first);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> RunDirectoryLock.acquire(out, null));
            assertEquals("another run (pid " + holder.pid() + ") is using " + out + "; wait for it to finish or give another --out", e.getMessage());

            holder.destroyForcibly();                         // as kill -9: the file stays, the OS lock goes
            assertTrue(holder.waitFor(30, TimeUnit.SECONDS));
            assertEquals(holder.pid() + "", Files.readString(out.resolve(RunDirectoryLock.FILE)).trim());
            List<String> messages = new ArrayList<>();
            try (RunDirectoryLock lock = RunDirectoryLock.acquire(out, messages::add)) {
                assertEquals(List.of("taking over the lock of " + out + " from pid " + holder.pid() + ", which is no longer running"), messages);
                assertEquals(ProcessHandle.current().pid() + "", Files.readString(lock.file()).trim());
            }
        } finally {
            holder.destroyForcibly();
        }
    }

    @Test
    void aSecondRunInThisProcessIsRefusedAndAClosedLockLeavesNoOwner(@TempDir Path out) throws Exception {
        try (RunDirectoryLock lock = RunDirectoryLock.acquire(out, null)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> RunDirectoryLock.acquire(out, null));
            assertTrue(e.getMessage().startsWith("another run (pid " + ProcessHandle.current().pid() + ", this process) is using "), e.getMessage());
        }
        List<String> messages = new ArrayList<>();
        try (RunDirectoryLock again = RunDirectoryLock.acquire(out, messages::add)) {
            assertEquals(List.of(), messages, "a cleanly finished run is not reported as a dead one");
        }
    }
}
