package dev.kiln.backend.opencl;

import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.cl_context;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_program;

import static org.jocl.CL.*;

/**
 * Builds OpenCL C for one device; a build that fails carries the compiler's log, named after the
 * program and the device, so a kernel that does not compile says where and why.
 */
final class ClProgram {
    private ClProgram() {}

    static cl_program build(cl_context context, ClDevice device, String name, String source, String options) {
        cl_program p;
        try {
            p = clCreateProgramWithSource(context, 1, new String[] {source}, null, null);
        } catch (CLException e) {
            throw new OpenClKernelException(name, device.name(), "cannot be created", e);
        }
        try {
            clBuildProgram(p, 1, new cl_device_id[] {device.id()}, options, null, null);
            return p;
        } catch (CLException e) {
            String log = buildLog(p, device);
            clReleaseProgram(p);
            throw new OpenClKernelException(name, device.name(), "cannot be compiled",
                    new IllegalStateException(e.getMessage() + (log.isBlank() ? "" : "; compiler log:\n" + log)));
        }
    }

    static cl_kernel kernel(cl_program program, String name, ClDevice device) {
        try {
            return clCreateKernel(program, name, null);
        } catch (CLException e) {
            throw new OpenClKernelException(name, device.name(), "is missing from the program", e);
        }
    }

    static String buildLog(cl_program p, ClDevice device) {
        try {
            long[] size = new long[1];
            clGetProgramBuildInfo(p, device.id(), CL_PROGRAM_BUILD_LOG, 0, null, size);
            byte[] b = new byte[(int) size[0]];
            clGetProgramBuildInfo(p, device.id(), CL_PROGRAM_BUILD_LOG, b.length, Pointer.to(b), null);
            return DeviceSelector.text(b);
        } catch (CLException e) {
            return "(no build log: " + e.getMessage() + ")";
        }
    }
}
