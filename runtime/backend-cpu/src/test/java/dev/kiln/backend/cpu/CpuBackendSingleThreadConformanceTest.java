package dev.kiln.backend.cpu;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.BackendConformance;

/** The conformance suite on the CPU backend with threads = 1 (no pool, every path inline). */
class CpuBackendSingleThreadConformanceTest extends BackendConformance {
    @Override
    protected Backend backend() { return new CpuBackend(1); }
}
