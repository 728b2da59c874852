package dev.kiln.backend.opencl;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.BackendProvider;
import dev.kiln.api.config.Config;
import dev.kiln.api.plugin.ApiVersion;
import dev.kiln.api.plugin.Availability;
import dev.kiln.backend.cpu.CpuBackend;
import dev.kiln.backend.opencl.kernel.MatmulTiling;

import java.util.List;

/**
 * The OpenCL backend (JOCL over the system's OpenCL ICD loader). Priority 150 (above "cpu", 100) when a GPU OpenCL device is
 * present, else 50: OpenCL on a CPU device (pocl) is a correctness target, slower than the CPU
 * backend. Available only when an OpenCL device is listed.
 *
 * <p>Config (strict): {@code device} (index in the GPU-first list, or name substring; default the env
 * var {@value #DEVICE_ENV}, else the first), {@code platform} (index or name substring),
 * {@code allow_cpu_fallback} (default false: if the device or a kernel cannot be used, fall back to the
 * CPU backend with a warning instead of failing),
 * {@code memory_mb} (initial device arena, default 64) and {@code max_memory_mb} (arena limit over
 * all its buffers, default 90% of the device's global memory, at most 8 GiB: eight buffers of at most
 * 1 GiB each, see {@code DeviceArena}), {@code matmul_tiling} ("perItem,group,depth" of the matmul kernel, see
 * {@link MatmulTiling}; default the env var {@value MatmulTiling#ENV}, else 4,16,16).
 */
public final class OpenClBackendProvider implements BackendProvider {
    public static final String DEVICE_ENV = "KILN_OPENCL_DEVICE";
    private static final System.Logger LOG = System.getLogger(OpenClBackendProvider.class.getName());

    private volatile List<ClDevice> devices;

    private List<ClDevice> devices() {
        List<ClDevice> d = devices;
        if (d == null) devices = d = DeviceSelector.devices();
        return d;
    }

    @Override
    public String name() { return "opencl"; }

    @Override
    public String apiVersion() { return ApiVersion.CURRENT; }

    @Override
    public String description() {
        return "OpenCL: device-resident tensors, tiled matmul, fused attention (GPU first, pocl works)";
    }

    @Override
    public int priority() { return IcdVendors.MAY_HAVE_GPU && DeviceSelector.hasGpu(devices()) ? 150 : 50; }

    @Override
    public Availability availability() {
        List<ClDevice> ds = devices();
        if (ds.isEmpty()) {
            return Availability.no("no OpenCL device found: " + DeviceSelector.whyNone());
        }
        String env = System.getenv(DEVICE_ENV);
        try {
            ClDevice d = DeviceSelector.choose(ds, null, env);
            return Availability.yes("would use " + d.describe()
                    + (ds.size() > 1 ? "; all devices: " + DeviceSelector.list(ds) : ""));
        } catch (IllegalArgumentException e) {
            return Availability.no(DEVICE_ENV + "=" + env + ": " + e.getMessage());
        }
    }

    @Override
    public Backend create(Config config) {
        String device = config.getString("device", System.getenv(DEVICE_ENV));
        String platform = config.getString("platform", null);
        boolean allowFallback = config.getBoolean("allow_cpu_fallback", false);
        int memoryMb = config.getInt("memory_mb", 64);
        int maxMemoryMb = config.getInt("max_memory_mb", 0);
        String tilingText = config.getString("matmul_tiling", null);
        config.finish();
        MatmulTiling tiling;
        try {
            tiling = tilingText == null ? MatmulTiling.fromEnvironment() : MatmulTiling.parse(tilingText, null);
        } catch (IllegalArgumentException e) {
            throw tilingText == null ? e : config.error("matmul_tiling", "is not a matmul tiling: " + e.getMessage());
        }
        if (memoryMb < 1) throw config.error("memory_mb", "must be at least 1, got " + memoryMb);
        try {
            ClDevice d = DeviceSelector.choose(devices(), platform, device);
            long buffers = (long) DeviceArena.BUFFERS * OpenClBackend.bufferFloats(d.maxAllocBytes()) / 262_144;
            int deviceMax = (int) Math.min(buffers, d.globalMemBytes() / 10 * 9 / (1024 * 1024));
            int max = maxMemoryMb > 0 ? maxMemoryMb : deviceMax;
            if (max < memoryMb) throw config.error("max_memory_mb", "must be at least memory_mb (" + memoryMb + "), got " + max);
            return new OpenClBackend(d, memoryMb, max, OpenClBackend.bufferFloats(d.maxAllocBytes()), Launcher.syncRequested(),
                    tiling);
        } catch (RuntimeException e) {
            if (!allowFallback || e instanceof dev.kiln.api.config.ConfigException) throw e;
            // the engine counts the fallback (kiln.backend.fallbacks) because the backend's name differs from "opencl"
            LOG.log(System.Logger.Level.WARNING, "opencl backend unavailable, falling back to the cpu backend "
                    + "(allow_cpu_fallback=true): " + e.getMessage());
            return new CpuBackend(Runtime.getRuntime().availableProcessors());
        }
    }
}
