package dev.kiln.backend.opencl;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.BackendConformance;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole conformance suite on an arena of small device buffers (512 Ki floats, 2 MiB, eight of
 * them): operands of one op then sit in different buffers and every kernel's addressing across
 * buffers is exercised, as GPT-2-sized models need on a real device (buffers of 1 GiB).
 */
@Tag("gpu")
class SplitArenaConformanceTest extends BackendConformance {
    static final int BUFFER_FLOATS = 1 << 19;
    private OpenClBackend backend;

    @Override
    protected Backend backend() {
        backend = new OpenClBackend(OpenClTestSupport.deviceOrSkip(), 1, 16, BUFFER_FLOATS);
        return backend;
    }

    @AfterAll
    void theSuiteSpreadOverSeveralBuffers() {   // runs before the suite closes the backend (5 of 8 when written)
        if (backend != null) assertTrue(backend.arenaBuffers() >= 3, "buffers the suite's tensors spread over: " + backend.arenaBuffers());
    }
}
