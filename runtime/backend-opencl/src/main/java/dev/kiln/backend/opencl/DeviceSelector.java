package dev.kiln.backend.opencl;

import com.aparapi.device.Device;
import com.aparapi.device.OpenCLDevice;
import com.aparapi.internal.opencl.OpenCLPlatform;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Lists the real OpenCL devices (never Aparapi's Java fallback devices) and picks one: GPUs before
 * accelerators before CPU devices, in platform order; {@code platform} and {@code device} select by
 * index (in that order) or by a case-insensitive name substring.
 */
final class DeviceSelector {
    static final String INSTALL_HINT = "install an OpenCL runtime, e.g. `apt-get install -y pocl-opencl-icd "
            + "ocl-icd-libopencl1 clinfo` (pocl: OpenCL on the CPU) or your GPU vendor's OpenCL driver";

    private DeviceSelector() {}

    /** Every OpenCL device, GPUs first; empty when no OpenCL runtime or platform is installed. */
    static List<OpenCLDevice> devices() {
        List<OpenCLDevice> all = new ArrayList<>();
        try {
            for (OpenCLPlatform p : new OpenCLPlatform().getOpenCLPlatforms()) all.addAll(p.getOpenCLDevices());
        } catch (Throwable e) {  // no libOpenCL / no aparapi JNI for this OS: "no device", with the reason logged
            System.getLogger(DeviceSelector.class.getName()).log(System.Logger.Level.DEBUG, "OpenCL probe failed", e);
            return List.of();
        }
        all.sort(Comparator.comparingInt(DeviceSelector::rank));
        return all;
    }

    private static int rank(OpenCLDevice d) {
        return d.getType() == Device.TYPE.GPU ? 0 : d.getType() == Device.TYPE.ACC ? 1 : 2;
    }

    static boolean hasGpu(List<OpenCLDevice> devices) {
        return devices.stream().anyMatch(d -> d.getType() == Device.TYPE.GPU);
    }

    /** The device chosen by the platform and device selectors (either may be null: no constraint). */
    static OpenCLDevice choose(List<OpenCLDevice> devices, String platform, String device) {
        if (devices.isEmpty()) throw new IllegalStateException("no OpenCL device found: " + INSTALL_HINT);
        List<OpenCLDevice> candidates = devices;
        if (platform != null && !platform.isBlank()) {
            List<OpenCLPlatform> platforms = new ArrayList<>();
            for (OpenCLDevice d : devices) if (!containsPlatform(platforms, d.getOpenCLPlatform())) platforms.add(d.getOpenCLPlatform());
            OpenCLPlatform chosen = pick(platforms, platform, OpenCLPlatform::getName, "platform", listPlatforms(platforms));
            candidates = devices.stream().filter(d -> d.getOpenCLPlatform() == chosen).toList();
        }
        if (device == null || device.isBlank()) return candidates.get(0);
        return pick(candidates, device, OpenCLDevice::getName, "device", list(candidates));
    }

    private static boolean containsPlatform(List<OpenCLPlatform> ps, OpenCLPlatform p) {
        return ps.stream().anyMatch(x -> x == p);
    }

    private static <T> T pick(List<T> items, String sel, java.util.function.Function<T, String> name, String what, String known) {
        String s = sel.trim();
        if (s.matches("\\d+")) {
            int i = Integer.parseInt(s);
            if (i < items.size()) return items.get(i);
            throw new IllegalArgumentException("OpenCL " + what + " index " + i + " out of range; available: " + known);
        }
        for (T t : items) if (name.apply(t).toLowerCase(Locale.ROOT).contains(s.toLowerCase(Locale.ROOT))) return t;
        throw new IllegalArgumentException("no OpenCL " + what + " matches '" + s + "'; available: " + known);
    }

    static String list(List<OpenCLDevice> devices) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < devices.size(); i++) out.add("[" + i + "] " + describe(devices.get(i)));
        return String.join("; ", out);
    }

    private static String listPlatforms(List<OpenCLPlatform> ps) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < ps.size(); i++) out.add("[" + i + "] " + ps.get(i).getName());
        return String.join("; ", out);
    }

    /** "name (GPU) on platform 'X' (vendor), N compute units, local K KiB, max buffer M MiB". */
    static String describe(OpenCLDevice d) {
        return d.getName().trim() + " (" + d.getType() + ") on platform '" + d.getOpenCLPlatform().getName().trim()
                + "' (" + d.getOpenCLPlatform().getVendor().trim() + "), " + d.getMaxComputeUnits() + " compute units, local "
                + d.getLocalMemSize() / 1024 + " KiB, max buffer " + d.getMaxMemAllocSize() / (1024 * 1024) + " MiB";
    }
}
