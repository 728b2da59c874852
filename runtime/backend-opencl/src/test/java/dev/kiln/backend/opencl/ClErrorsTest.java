package dev.kiln.backend.opencl;

import dev.kiln.backend.opencl.kernel.MatmulTiling;
import dev.kiln.backend.opencl.kernel.Op;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_program;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.jocl.CL.*;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** OpenCL failures name the program or kernel and the device, and carry the driver's reason (the compiler's log on a build). */
@Tag("gpu")
class ClErrorsTest {

    private static cl_context context(ClDevice d) {
        cl_context_properties props = new cl_context_properties();
        props.addProperty(CL_CONTEXT_PLATFORM, d.platform());
        return clCreateContext(props, 1, new cl_device_id[] {d.id()}, null, null, null);
    }

    @Test
    void aProgramThatDoesNotCompileCarriesTheCompilerLog() {
        ClDevice d = OpenClTestSupport.deviceOrSkip();
        cl_context ctx = context(d);
        try {
            String source = "__kernel void broken(__global float* x) { x[0] = undeclared_thing; }";
            OpenClKernelException e = assertThrows(OpenClKernelException.class, () -> ClProgram.build(ctx, d, "broken-program", source, ""));
            System.out.println("[opencl-test] refused as expected: " + e.getMessage());
            assertTrue(e.getMessage().startsWith("OpenCL kernel 'broken-program' cannot be compiled on device '" + d.name() + "'"), e.getMessage());
            assertTrue(e.getMessage().contains("CL_BUILD_PROGRAM_FAILURE"), e.getMessage());
            assertTrue(e.getMessage().contains("undeclared_thing"), "the compiler's log names the culprit: " + e.getMessage());
        } finally {
            clReleaseContext(ctx);
        }
    }

    @Test
    void aKernelMissingFromTheProgramIsNamed() {
        ClDevice d = OpenClTestSupport.deviceOrSkip();
        cl_context ctx = context(d);
        cl_program p = ClProgram.build(ctx, d, "one-kernel", "__kernel void present(__global float* x) { x[0] = 1.0f; }", "");
        try {
            OpenClKernelException e = assertThrows(OpenClKernelException.class, () -> ClProgram.kernel(p, "absent", d));
            assertTrue(e.getMessage().startsWith("OpenCL kernel 'absent' is missing from the program on device '" + d.name() + "'"),
                    e.getMessage());
        } finally {
            clReleaseProgram(p);
            clReleaseContext(ctx);
        }
    }

    @Test
    void aLaunchTheDeviceRefusesNamesTheKernel() {
        ClDevice d = OpenClTestSupport.deviceOrSkip();
        try (Launcher launcher = new Launcher(d, 1 << 16, 1 << 20, 1 << 16, false, MatmulTiling.DEFAULT)) {
            // a 2-D work-group of 2^15 × 2^15 items is past every device's limit
            OpenClKernelException e = assertThrows(OpenClKernelException.class,
                    () -> launcher.run2D(Op.MATMUL, 1 << 15, 1 << 15, 1 << 15, 1 << 15));
            System.out.println("[opencl-test] refused as expected: " + e.getMessage());
            assertTrue(e.getMessage().startsWith("OpenCL kernel 'matmul' failed on device '" + d.name() + "'"), e.getMessage());
            assertTrue(e.getMessage().contains("CL_INVALID_WORK"), "carries the driver's error: " + e.getMessage());
        }
    }
}
