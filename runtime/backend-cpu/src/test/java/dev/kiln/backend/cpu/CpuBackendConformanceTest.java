package dev.kiln.backend.cpu;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.BackendConformance;

/** The conformance suite on the CPU backend with two threads (parallel paths even on one core). */
class CpuBackendConformanceTest extends BackendConformance {
    @Override
    protected Backend backend() { return new CpuBackend(Math.max(2, Runtime.getRuntime().availableProcessors())); }
}
