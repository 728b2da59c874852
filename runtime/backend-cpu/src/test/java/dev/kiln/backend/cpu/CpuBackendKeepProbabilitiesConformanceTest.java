package dev.kiln.backend.cpu;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.BackendConformance;

/** The conformance suite on the cpu backend with recompute off: attention and cross-entropy keep their full probabilities. */
class CpuBackendKeepProbabilitiesConformanceTest extends BackendConformance {
    @Override
    protected Backend backend() { return new CpuBackend(2, MicroKernel.VECTOR_API, false); }
}
