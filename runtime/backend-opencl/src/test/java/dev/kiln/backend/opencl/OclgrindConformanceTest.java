package dev.kiln.backend.opencl;

import dev.kiln.api.backend.Backend;
import dev.kiln.api.backend.BackendConformance;
import dev.kiln.backend.opencl.kernel.Op;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_program;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.jocl.CL.*;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The conformance suite's small cases on Oclgrind, a device simulator that checks every memory access of every
 * work item against its buffer's bounds, every barrier for divergence and every API call's arguments: what a GPU
 * may turn into a fault or garbage and pocl (the host's own memory, the host's own threads) lets pass. It runs in
 * the {@code oclgrind} surefire execution, which makes Oclgrind the only OpenCL platform and sets the limit on the
 * cases ({@code kiln.conformance.limit}) and the log Oclgrind reports to ({@value #LOG_ENV}). After the suite every
 * kernel of the device program must have run, and the log must hold no report but the probe's below. The backend
 * runs in sync mode: Oclgrind's runtime does not survive JOCL's waiting thread.
 */
@Tag("gpu")
class OclgrindConformanceTest extends BackendConformance {
    static final String LOG_ENV = "OCLGRIND_LOG";
    /** The probe kernel's name: its reports are expected, every other one fails the suite. */
    static final String PROBE = "kiln_oob_probe";
    static final String INSTALL_HINT = "this test runs on Oclgrind: `apt-get install -y oclgrind` (Debian's, at /usr/lib/oclgrind)";
    private OpenClBackend backend;

    @Override
    protected Backend backend() {
        ClDevice d = OpenClTestSupport.deviceOrSkip(INSTALL_HINT);
        if (!d.name().contains("Oclgrind")) {   // OCL_ICD_VENDORS not the execution's: it would check pocl, not Oclgrind
            String msg = "runs in the oclgrind surefire execution, not on " + d.name();
            if ("true".equalsIgnoreCase(System.getenv(OpenClTestSupport.REQUIRE_ENV))) Assertions.fail(msg);
            Assumptions.abort(msg);
        }
        if (System.getenv(LOG_ENV) == null) Assertions.fail(LOG_ENV + " is not set: the oclgrind execution names the log");
        backend = new OpenClBackend(d, 16, 100, OpenClBackend.bufferFloats(d.maxAllocBytes()), true);
        return backend;
    }

    /**
     * A kernel that reads one float past its input must be reported, or a clean log would prove nothing. It runs in
     * the backend's context: Oclgrind opens the log afresh (emptying it) for every context.
     */
    @Test
    void anOutOfBoundsReadIsReported() {
        ClDevice d = backend.device();
        int n = 4;
        cl_context ctx = backend.dev.context();
        cl_command_queue queue = clCreateCommandQueue(ctx, d.id(), 0, null);
        cl_program p = ClProgram.build(ctx, d, PROBE, "__kernel void " + PROBE + "(__global const float* in, __global float* out) {\n"
                + "    int i = get_global_id(0);\n    out[i] = in[i + 1];\n}\n", "");
        cl_kernel k = ClProgram.kernel(p, PROBE, d);
        cl_mem in = clCreateBuffer(ctx, CL_MEM_READ_WRITE, (long) n * Sizeof.cl_float, null, null);
        cl_mem out = clCreateBuffer(ctx, CL_MEM_READ_WRITE, (long) n * Sizeof.cl_float, null, null);
        try {
            clEnqueueWriteBuffer(queue, in, CL_TRUE, 0, (long) n * Sizeof.cl_float, Pointer.to(new float[n]), 0, null, null);
            clSetKernelArg(k, 0, Sizeof.cl_mem, Pointer.to(in));
            clSetKernelArg(k, 1, Sizeof.cl_mem, Pointer.to(out));
            clEnqueueNDRangeKernel(queue, k, 1, null, new long[] {n}, new long[] {1}, 0, null, null);
            clFinish(queue);
        } finally {
            clReleaseMemObject(in);
            clReleaseMemObject(out);
            clReleaseKernel(k);
            clReleaseProgram(p);
            clReleaseCommandQueue(queue);
        }
        List<String> probe = reports().stream().filter(r -> r.contains(PROBE)).toList();
        assertTrue(probe.stream().anyMatch(r -> r.startsWith("Invalid read")),
                "Oclgrind reported no invalid read of the probe in " + System.getenv(LOG_ENV) + ": " + probe);
    }

    /** The attention kernel for keys or heads past local memory, which no case of the suite is large enough to take. */
    @Test
    void theGeneralAttentionPath() {
        backend.useGeneralAttention(true);
        try {
            GeneralAttentionTest.assertGeneralPathMatchesNaive(backend);
        } finally {
            backend.useGeneralAttention(false);
        }
    }

    @AfterAll
    void everyKernelRanAndNothingWasReported() {
        if (backend == null) return;   // the suite was skipped
        List<Op> neverRan = Arrays.stream(Op.values()).filter(op -> backend.dev.launches(op) == 0).toList();
        assertTrue(neverRan.isEmpty(), "kernels the suite never launched under Oclgrind: " + neverRan);
        List<String> unexpected = reports().stream().filter(r -> !r.contains(PROBE)).toList();
        assertTrue(unexpected.isEmpty(), unexpected.size() + " reports by Oclgrind, the first ones:\n"
                + String.join("\n\n", unexpected.subList(0, Math.min(3, unexpected.size()))));
    }

    /** The log's reports, each a paragraph (a line saying what, then the kernel, work item and source line). */
    static List<String> reports() {
        Path log = Path.of(System.getenv(LOG_ENV));
        try {
            if (!Files.exists(log)) return List.of();
            List<String> out = new ArrayList<>();
            for (String para : Files.readString(log).split("\n\\s*\n")) if (!para.isBlank()) out.add(para.strip());
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
