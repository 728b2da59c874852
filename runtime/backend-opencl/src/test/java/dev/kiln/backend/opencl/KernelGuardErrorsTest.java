package dev.kiln.backend.opencl;

import com.aparapi.Kernel;
import com.aparapi.Range;
import com.aparapi.device.Device;
import com.aparapi.device.OpenCLDevice;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** An Error out of Aparapi (it asserts on states it does not expect) is a kernel failure naming kernel and device, not an escape. */
@Tag("gpu")
class KernelGuardErrorsTest {

    /** A kernel whose compile and execute fail the way Aparapi's assertions do. */
    static final class AssertingKernel extends Kernel {
        final Error error;

        AssertingKernel(Error error) {
            this.error = error;
        }

        @Override
        public void run() {}

        @Override
        public synchronized Kernel compile(Device device) {
            throw error;
        }

        @Override
        public synchronized Kernel execute(Range range) {
            throw error;
        }
    }

    @Test
    void anAssertionErrorWhileCompilingIsAKernelException() {
        OpenCLDevice device = OpenClTestSupport.deviceOrSkip();
        OpenClKernelException e = assertThrows(OpenClKernelException.class,
                () -> KernelGuard.compile("asserting", new AssertingKernel(new AssertionError("unexpected state")), device));
        assertEquals("OpenCL kernel 'asserting' cannot be compiled on device '" + device.getName()
                + "': AssertionError: unexpected state", e.getMessage());
    }

    @Test
    void anAssertionErrorWhileLaunchingIsAKernelException() {
        OpenCLDevice device = OpenClTestSupport.deviceOrSkip();
        OpenClKernelException e = assertThrows(OpenClKernelException.class, () -> KernelGuard.execute("asserting",
                new AssertingKernel(new AssertionError("unexpected state")), Range.create(device, 64, 64), device));
        assertEquals("OpenCL kernel 'asserting' failed on device '" + device.getName()
                + "': AssertionError: unexpected state", e.getMessage());
    }

    @Test
    void outOfMemoryPassesThroughUnchanged() {
        OpenCLDevice device = OpenClTestSupport.deviceOrSkip();
        OutOfMemoryError oom = new OutOfMemoryError("Java heap space");
        assertSame(oom, assertThrows(OutOfMemoryError.class, () -> KernelGuard.execute("oom",
                new AssertingKernel(oom), Range.create(device, 64, 64), device)));
    }
}
