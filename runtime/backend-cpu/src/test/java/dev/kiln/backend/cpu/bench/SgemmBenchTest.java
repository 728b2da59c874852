package dev.kiln.backend.cpu.bench;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.NaiveBackend;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** A device backend only queues a product, so SgemmBench's timings must wait for it as a device's own timings do. */
class SgemmBenchTest {

    @Test
    void timingsIncludeWaitingForTheDevice() throws Exception {
        long waitMs = 20;
        try (NaiveBackend naive = new NaiveBackend()) {
            // a stand-in for a queued device: the product's time shows up in synchronize()
            Backend queued = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                    (proxy, method, args) -> {
                        if (method.getName().equals("synchronize")) {
                            Thread.sleep(waitMs);
                            return null;
                        }
                        try {
                            return method.invoke(naive, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
            int n = 32;
            double gflops = SgemmBench.gflops(queued, n, 3);
            double atMost = 2.0 * n * n * n / (waitMs * 1e-3) * 1e-9;
            assertTrue(gflops <= atMost, "reported " + gflops + " GFLOP/s, but every product took over " + waitMs
                    + " ms to finish: at most " + atMost);
        }
    }
}
