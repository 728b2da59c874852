package dev.kiln.backend.opencl;

import com.aparapi.device.OpenCLDevice;
import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.BackendProvider;
import dev.kiln.api.config.Config;
import dev.kiln.api.plugin.ApiVersion;
import dev.kiln.api.plugin.Availability;
import dev.kiln.backend.cpu.CpuBackend;

import java.util.List;

/**
 * The OpenCL backend through Aparapi. Priority 150 (above "cpu", 100) when a GPU OpenCL device is
 * present, else 50: OpenCL on a CPU device (pocl) is a correctness target, slower than the CPU
 * backend. Available only when a real OpenCL device is listed — never on Aparapi's Java fallback.
 *
 * <p>Config (strict): {@code device} (index in the GPU-first list, or name substring; default the env
 * var {@value #DEVICE_ENV}, else the first), {@code platform} (index or name substring),
 * {@code allow_cpu_fallback} (default false: if the device or a kernel cannot be used, fall back to the
 * CPU backend with a warning instead of failing — never to Aparapi's Java thread pool),
 * {@code memory_mb} (initial device arena, default 64, at least 32) and {@code max_memory_mb} (arena limit over
 * all its buffers, default 90% of the device's global memory, at most 8 GiB: eight buffers of at most
 * 1 GiB each, see {@code DeviceArena}).
 */
public final class OpenClBackendProvider implements BackendProvider {
    public static final String DEVICE_ENV = "KILN_OPENCL_DEVICE";
    /** Buffer 0 at least this large: arrays of half a G1 region or more never move (see DeviceArena). */
    static final int MIN_INITIAL_MB = 32;
    private static final System.Logger LOG = System.getLogger(OpenClBackendProvider.class.getName());

    private volatile List<OpenCLDevice> devices;

    private List<OpenCLDevice> devices() {
        List<OpenCLDevice> d = devices;
        if (d == null) devices = d = DeviceSelector.devices();
        return d;
    }

    @Override
    public String name() { return "opencl"; }

    @Override
    public String apiVersion() { return ApiVersion.CURRENT; }

    @Override
    public String description() {
        return "OpenCL through Aparapi: device-resident tensors, tiled matmul, fused attention (GPU first, pocl works)";
    }

    @Override
    public int priority() { return IcdVendors.MAY_HAVE_GPU && DeviceSelector.hasGpu(devices()) ? 150 : 50; }

    @Override
    public Availability availability() {
        List<OpenCLDevice> ds = devices();
        if (ds.isEmpty()) {
            return Availability.no("no OpenCL device found (Aparapi's Java thread-pool fallback does not count): "
                    + DeviceSelector.INSTALL_HINT);
        }
        String env = System.getenv(DEVICE_ENV);
        try {
            OpenCLDevice d = DeviceSelector.choose(ds, null, env);
            return Availability.yes("would use " + DeviceSelector.describe(d)
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
        config.finish();
        if (memoryMb < 1) throw config.error("memory_mb", "must be at least 1, got " + memoryMb);
        try {
            OpenCLDevice d = DeviceSelector.choose(devices(), platform, device);
            long buffers = (long) DeviceArena.BUFFERS * OpenClBackend.bufferFloats(d.getMaxMemAllocSize()) / 262_144;
            int deviceMax = (int) Math.min(buffers, d.getGlobalMemSize() / 10 * 9 / (1024 * 1024));
            int max = maxMemoryMb > 0 ? maxMemoryMb : deviceMax;
            if (max < memoryMb) throw config.error("max_memory_mb", "must be at least memory_mb (" + memoryMb + "), got " + max);
            return new OpenClBackend(d, Math.max(memoryMb, MIN_INITIAL_MB), Math.max(max, MIN_INITIAL_MB));
        } catch (RuntimeException e) {
            if (!allowFallback || e instanceof dev.kiln.api.config.ConfigException) throw e;
            // the engine counts the fallback (kiln.backend.fallbacks) because the backend's name differs from "opencl"
            LOG.log(System.Logger.Level.WARNING, "opencl backend unavailable, falling back to the cpu backend "
                    + "(allow_cpu_fallback=true): " + e.getMessage());
            return new CpuBackend(Runtime.getRuntime().availableProcessors());
        }
    }
}
