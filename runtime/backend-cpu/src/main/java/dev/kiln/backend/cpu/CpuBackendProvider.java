package dev.kiln.backend.cpu;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.BackendProvider;
import dev.kiln.api.config.Config;
import dev.kiln.api.plugin.ApiVersion;
import dev.kiln.api.plugin.Availability;

/**
 * The pure-Java multi-threaded backend; preferred over "naive". Config: {@code threads} (default: all cores),
 * {@code recompute} (default true: attention and cross-entropy recompute probabilities in backward from one
 * logsumexp per row; false keeps them, see {@link CpuBackend#CpuBackend(int, boolean, boolean)}).
 */
public final class CpuBackendProvider implements BackendProvider {
    private static final System.Logger LOG = System.getLogger(CpuBackendProvider.class.getName());
    private static volatile boolean advised;

    @Override
    public String name() { return "cpu"; }

    @Override
    public String apiVersion() { return ApiVersion.CURRENT; }

    @Override
    public String description() { return "multi-threaded pure-Java kernels (Vector API matmul when available)"; }

    @Override
    public int priority() { return 100; }

    @Override
    public Availability availability() {
        return Availability.yes(Runtime.getRuntime().availableProcessors() + " cores, Vector API "
                + (MicroKernel.VECTOR_API ? "on" : "off (add --add-modules jdk.incubator.vector)")
                + JitAdvice.forThisJvm().map(a -> "; " + a).orElse(""));
    }

    @Override
    public Backend create(Config config) {
        int threads = config.getInt("threads", Runtime.getRuntime().availableProcessors());
        // recompute unset: attention keeps short sequences' probabilities (CpuBackend's default); set, it decides alone
        boolean byShape = !config.has("recompute"), recompute = config.getBoolean("recompute", true);
        config.finish();
        if (threads < 1) throw config.error("threads", "must be at least 1, got " + threads);
        if (!advised) {
            advised = true;
            JitAdvice.forThisJvm().ifPresent(a -> LOG.log(System.Logger.Level.WARNING, a));
        }
        return new CpuBackend(threads, MicroKernel.VECTOR_API, recompute, byShape);
    }
}
