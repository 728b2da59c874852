package dev.kiln.backend.opencl;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.BackendConformance;
import org.junit.jupiter.api.Tag;

/** The backend conformance suite on the OpenCL backend (real copies: shared memory off). */
@Tag("gpu")
class OpenClConformanceTest extends BackendConformance {
    @Override
    protected Backend backend() { return OpenClTestSupport.backendOrSkip(); }
}
