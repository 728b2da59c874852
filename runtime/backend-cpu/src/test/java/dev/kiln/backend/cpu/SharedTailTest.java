package dev.kiln.backend.cpu;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static dev.kiln.backend.cpu.ParallelTest.assertEachOnce;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A product's last block shared with a helper: every panel once, both take chunks, a helper never waits forever. */
class SharedTailTest {
    private static final Duration LIMIT = Duration.ofSeconds(20);

    @Test
    void ownerAndHelperRunEveryPanelOnce() throws Exception {
        for (int panels : new int[] {1, 2, 7, 171, 1000}) {
            SharedTail tail = new SharedTail();
            AtomicIntegerArray seen = new AtomicIntegerArray(panels);
            AtomicInteger helperPanels = new AtomicInteger();
            CountDownLatch helperStarted = new CountDownLatch(1);
            Thread helper = new Thread(() -> {
                helperStarted.countDown();
                tail.help();
            });
            helper.start();
            assertTimeoutPreemptively(LIMIT, () -> {
                helperStarted.await();
                tail.offer(panels, 2, (q0, q1) -> {
                    for (int i = q0; i < q1; i++) seen.incrementAndGet(i);
                    if (Thread.currentThread() == helper) helperPanels.addAndGet(q1 - q0);
                    else if (panels == 1000) sleep();   // the owner slows down, so the helper takes part
                });
                tail.close();
                helper.join();
            });
            assertEachOnce(seen, "panels=" + panels);
            if (panels == 1000) assertTrue(helperPanels.get() > 0, "the helper took no chunk of 1,000 panels");
        }
    }

    @Test
    void helperReturnsWhenTheOwnerEndsWithoutABlock() {
        SharedTail tail = new SharedTail();
        Thread owner = new Thread(tail::close);   // an empty product: nothing offered
        owner.start();
        assertTimeoutPreemptively(LIMIT, tail::help);
    }

    @Test
    void aFailingOwnerLeavesTheHelperTheRest() {
        // the owner's first chunk throws: the helper still finishes the block instead of waiting forever
        SharedTail tail = new SharedTail();
        AtomicIntegerArray seen = new AtomicIntegerArray(100);
        int[] failed = new int[2];
        Thread owner = new Thread(() -> {
            try {
                tail.offer(100, 1, (q0, q1) -> {
                    if (Thread.currentThread().getName().equals("owner")) {
                        failed[0] = q0;
                        failed[1] = q1;
                        throw new IllegalStateException("owner's chunk fails");
                    }
                    for (int i = q0; i < q1; i++) seen.incrementAndGet(i);
                });
            } catch (IllegalStateException expected) {
                // the caller of the owner's product sees it
            } finally {
                tail.close();
            }
        }, "owner");
        owner.start();
        assertTimeoutPreemptively(LIMIT, () -> {
            tail.help();
            owner.join();
        });
        assertTrue(failed[1] > failed[0], "the owner ran a chunk");
        for (int i = 0; i < 100; i++)
            assertEquals(i >= failed[0] && i < failed[1] ? 0 : 1, seen.get(i), "panel " + i + ", the owner's failed chunk " + failed[0] + ".." + failed[1]);
    }

    @Test
    void aBlockIsOfferedOnce() {
        SharedTail tail = new SharedTail();
        tail.offer(3, 1, (q0, q1) -> {});
        assertThrows(IllegalStateException.class, () -> tail.offer(3, 1, (q0, q1) -> {}));
    }

    private static void sleep() {
        try {
            Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
