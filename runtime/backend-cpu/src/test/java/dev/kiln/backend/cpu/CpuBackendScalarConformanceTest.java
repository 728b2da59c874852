package dev.kiln.backend.cpu;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.BackendConformance;

/** The conformance suite with the scalar matmul micro-kernel and reductions (the path without the Vector API). */
class CpuBackendScalarConformanceTest extends BackendConformance {
    @Override
    protected Backend backend() { return new CpuBackend(2, false); }
}
