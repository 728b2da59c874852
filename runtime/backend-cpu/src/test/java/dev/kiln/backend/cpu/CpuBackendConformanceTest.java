package dev.kiln.backend.cpu;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.BackendConformance;

/** The conformance suite on the CPU backend with two threads (parallel paths even on one core). */
class CpuBackendConformanceTest extends BackendConformance {
    // recompute always, so the short cases exercise the flash path too (the kept path: CpuBackendKeepProbabilitiesConformanceTest)
    @Override
    protected Backend backend() { return new CpuBackend(Math.max(2, Runtime.getRuntime().availableProcessors()), MicroKernel.VECTOR_API, true); }
}
