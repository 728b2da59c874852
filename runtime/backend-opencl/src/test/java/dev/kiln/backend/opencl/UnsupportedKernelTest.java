package dev.kiln.backend.opencl;

import com.aparapi.device.OpenCLDevice;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A kernel Aparapi cannot translate fails loudly, naming itself and Aparapi's reason: no JTP fallback. */
@Tag("gpu")
class UnsupportedKernelTest {

    @Test
    void untranslatableKernelFailsWithNameAndReason() {
        OpenCLDevice device = OpenClTestSupport.deviceOrSkip();
        OpenClKernelException e = assertThrows(OpenClKernelException.class,
                () -> KernelGuard.compile("allocating-kernel", new AllocatingKernel(), device));
        System.out.println("[opencl-test] refused as expected: " + e.getMessage());
        assertTrue(e.getMessage().contains("allocating-kernel"), e.getMessage());
        assertTrue(e.getMessage().contains(device.getName()), e.getMessage());
        assertTrue(e.getMessage().contains(": "), "carries Aparapi's reason: " + e.getMessage());
    }
}
