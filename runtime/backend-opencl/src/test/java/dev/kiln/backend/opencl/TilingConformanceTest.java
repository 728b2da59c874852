package dev.kiln.backend.opencl;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.BackendConformance;
import dev.kiln.backend.opencl.kernel.MatmulTiling;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;

/**
 * The conformance suite on two matmul tilings besides the default, so a tiling MatmulTilingsBench finds faster on a
 * GPU is one the tests have run: 8 outputs an item in 128-wide tiles (the larger register block a GPU may prefer),
 * and 2×2 an item in 8-wide tiles of depth 3 (a depth that divides no K of the suite, many edge tiles).
 */
@Tag("gpu")
class TilingConformanceTest {

    @Nested
    class WideTiles extends BackendConformance {
        @Override
        protected Backend backend() { return tiled(new MatmulTiling(8, 16, 16)); }
    }

    @Nested
    class NarrowTiles extends BackendConformance {
        @Override
        protected Backend backend() { return tiled(new MatmulTiling(2, 4, 3)); }
    }

    static OpenClBackend tiled(MatmulTiling tiling) {
        ClDevice d = OpenClTestSupport.deviceOrSkip();
        return new OpenClBackend(d, 64, 1024, OpenClBackend.bufferFloats(d.maxAllocBytes()), Launcher.syncRequested(), tiling);
    }
}
