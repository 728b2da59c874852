package dev.kiln.backend.opencl;

import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

import static org.jocl.CL.*;

/**
 * Lists the OpenCL devices through JOCL and picks one: GPUs before accelerators before CPU devices, in
 * platform order; {@code platform} and {@code device} select by index (in that order) or by a
 * case-insensitive name substring.
 */
final class DeviceSelector {
    static final String INSTALL_HINT = "install an OpenCL runtime and the ICD loader's libOpenCL.so, e.g. `apt-get install -y "
            + "pocl-opencl-icd ocl-icd-opencl-dev clinfo` (pocl: OpenCL on the CPU) or your GPU vendor's OpenCL driver";
    /** JOCL opens the ICD loader by its development name, which only the -dev package installs on Debian and Ubuntu. */
    static final String LOADER_HINT = "JOCL loads the OpenCL ICD loader as libOpenCL.so, which Debian and Ubuntu install with "
            + "`apt-get install -y ocl-icd-opencl-dev` (libOpenCL.so.1 alone is not found)";
    /** Why the last listing found nothing, when it failed rather than found no device; null otherwise. */
    static volatile String probeFailure;

    private DeviceSelector() {}

    /** Every OpenCL device, GPUs first; empty when no OpenCL runtime or platform is installed. */
    static List<ClDevice> devices() {
        List<ClDevice> all = new ArrayList<>();
        try {
            CL.setExceptionsEnabled(true);
            int[] count = new int[1];
            clGetPlatformIDs(0, null, count);
            cl_platform_id[] platforms = new cl_platform_id[count[0]];
            clGetPlatformIDs(platforms.length, platforms, null);
            for (cl_platform_id p : platforms) all.addAll(devicesOf(p));
        } catch (Throwable e) {  // no libOpenCL.so, no platform, no JOCL native library for this OS: "no device", and why
            System.getLogger(DeviceSelector.class.getName()).log(System.Logger.Level.DEBUG, "OpenCL probe failed", e);
            probeFailure = e instanceof UnsatisfiedLinkError || e instanceof NoClassDefFoundError
                    ? LOADER_HINT + " [" + e.getMessage() + "]" : e.toString();
            return List.of();
        }
        probeFailure = null;
        all.sort(Comparator.comparingInt(d -> d.type().ordinal()));
        return all;
    }

    private static List<ClDevice> devicesOf(cl_platform_id p) {
        int[] count = new int[1];
        try {
            clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 0, null, count);
        } catch (org.jocl.CLException e) {   // CL_DEVICE_NOT_FOUND: a platform without devices
            return List.of();
        }
        cl_device_id[] ids = new cl_device_id[count[0]];
        clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, ids.length, ids, null);
        String platformName = platformString(p, CL_PLATFORM_NAME), vendor = platformString(p, CL_PLATFORM_VENDOR);
        List<ClDevice> out = new ArrayList<>();
        for (cl_device_id d : ids) {
            long type = deviceLong(d, CL_DEVICE_TYPE);
            ClDevice.Type t = (type & CL_DEVICE_TYPE_GPU) != 0 ? ClDevice.Type.GPU
                    : (type & CL_DEVICE_TYPE_ACCELERATOR) != 0 ? ClDevice.Type.ACC : ClDevice.Type.CPU;
            int[] units = new int[1];
            clGetDeviceInfo(d, CL_DEVICE_MAX_COMPUTE_UNITS, Sizeof.cl_uint, Pointer.to(units), null);
            out.add(new ClDevice(p, d, deviceString(d, CL_DEVICE_NAME), t, platformName, vendor, units[0],
                    deviceLong(d, CL_DEVICE_LOCAL_MEM_SIZE), deviceLong(d, CL_DEVICE_MAX_MEM_ALLOC_SIZE),
                    deviceLong(d, CL_DEVICE_GLOBAL_MEM_SIZE)));
        }
        return out;
    }

    private static long deviceLong(cl_device_id d, int param) {
        long[] v = new long[1];
        clGetDeviceInfo(d, param, Sizeof.cl_ulong, Pointer.to(v), null);
        return v[0];
    }

    private static String deviceString(cl_device_id d, int param) {
        long[] size = new long[1];
        clGetDeviceInfo(d, param, 0, null, size);
        byte[] b = new byte[(int) size[0]];
        clGetDeviceInfo(d, param, b.length, Pointer.to(b), null);
        return text(b);
    }

    private static String platformString(cl_platform_id p, int param) {
        long[] size = new long[1];
        clGetPlatformInfo(p, param, 0, null, size);
        byte[] b = new byte[(int) size[0]];
        clGetPlatformInfo(p, param, b.length, Pointer.to(b), null);
        return text(b);
    }

    /** A C string: up to its NUL, trimmed. */
    static String text(byte[] b) {
        int n = 0;
        while (n < b.length && b[n] != 0) n++;
        return new String(b, 0, n, StandardCharsets.UTF_8).trim();
    }

    /** The reason the listing is empty, for messages: the probe's failure, else how to install a runtime. */
    static String whyNone() {
        String f = probeFailure;
        return f != null ? f : INSTALL_HINT;
    }

    static boolean hasGpu(List<ClDevice> devices) {
        return devices.stream().anyMatch(d -> d.type() == ClDevice.Type.GPU);
    }

    /** The device chosen by the platform and device selectors (either may be null: no constraint). */
    static ClDevice choose(List<ClDevice> devices, String platform, String device) {
        if (devices.isEmpty()) throw new IllegalStateException("no OpenCL device found: " + whyNone());
        List<ClDevice> candidates = devices;
        if (platform != null && !platform.isBlank()) {
            List<String> platforms = devices.stream().map(ClDevice::platformName).distinct().toList();
            String chosen = pick(platforms, platform, n -> n, "platform", listPlatforms(platforms));
            candidates = devices.stream().filter(d -> d.platformName().equals(chosen)).toList();
        }
        if (device == null || device.isBlank()) return candidates.get(0);
        return pick(candidates, device, ClDevice::name, "device", list(candidates));
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

    static String list(List<ClDevice> devices) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < devices.size(); i++) out.add("[" + i + "] " + devices.get(i).describe());
        return String.join("; ", out);
    }

    private static String listPlatforms(List<String> ps) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < ps.size(); i++) out.add("[" + i + "] " + ps.get(i));
        return String.join("; ", out);
    }

    /** See {@link ClDevice#describe()}. */
    static String describe(ClDevice d) { return d.describe(); }
}
