package dev.kiln.backend.opencl;

import com.aparapi.Kernel;
import com.aparapi.Range;
import com.aparapi.device.OpenCLDevice;
import com.aparapi.exception.CompileFailedException;
import com.aparapi.internal.kernel.KernelManager;

import java.util.LinkedHashSet;
import java.util.List;

/**
 * No silent fallback. Aparapi quietly reruns a kernel it cannot translate on a Java thread pool
 * (JTP) and stays there; so a kernel is pinned to the chosen device, compiled for it at start-up
 * ({@code compile(device)} throws with the reason instead of falling back) and checked after each
 * launch: the target must still be that OpenCL device and Aparapi must have marked no device failed.
 * Whatever Aparapi throws, an {@link Error} included (it asserts on states it does not expect), becomes
 * an {@link OpenClKernelException} naming the kernel and device; only {@link OutOfMemoryError} passes
 * through unchanged, so the host can say what ran out of memory.
 */
final class KernelGuard {
    private KernelGuard() {}

    /** Pins kernel to device and compiles it there; fails with the kernel name and Aparapi's reason. */
    static void compile(String name, Kernel kernel, OpenCLDevice device) {
        KernelManager.instance().setPreferredDevices(kernel, new LinkedHashSet<>(List.of(device)));
        try {
            kernel.compile(device);
        } catch (CompileFailedException | RuntimeException | Error e) {
            throw failure(name, device, "cannot be compiled", e);
        }
        if (!(kernel.getTargetDevice() instanceof OpenCLDevice))
            throw new OpenClKernelException(name, device.getName(), "was compiled but Aparapi targets "
                    + kernel.getTargetDevice() + " instead", null);
    }

    /** Launches kernel over range on device; any failure names the kernel and the device. */
    static void execute(String name, Kernel kernel, Range range, OpenCLDevice device) {
        try {
            kernel.execute(range);
        } catch (RuntimeException | Error e) {
            throw failure(name, device, "failed", e);
        }
    }

    private static OpenClKernelException failure(String name, OpenCLDevice device, String what, Throwable e) {
        if (e instanceof OutOfMemoryError oom) throw oom;
        return new OpenClKernelException(name, device.getName(), what, e);
    }

    /** After a launch: still on the OpenCL device, and Aparapi recorded no failure. */
    static void checkRanOn(String name, Kernel kernel, OpenCLDevice device) {
        List<?> failed = KernelManager.instance().getPreferences(kernel).getFailedDevices();
        com.aparapi.device.Device target = kernel.getTargetDevice();
        if (!failed.isEmpty() || target != device)
            throw new OpenClKernelException(name, device.getName(), "fell back to "
                    + (target == null ? "Aparapi's Java thread pool" : target.getShortDescription())
                    + " (Aparapi marked failed: " + failed + "); refusing to run off the device", null);
    }
}
