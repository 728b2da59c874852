package dev.kiln.backend.opencl;

/** A kernel could not be compiled for, or did not run on, the chosen OpenCL device. Never swallowed. */
public final class OpenClKernelException extends IllegalStateException {
    public OpenClKernelException(String kernel, String device, String what, Throwable cause) {
        super("OpenCL kernel '" + kernel + "' " + what + " on device '" + device + "'"
                + (cause == null ? "" : ": " + reason(cause)), cause);
    }

    /** The driver's reason: the deepest message in the cause chain that says something. */
    static String reason(Throwable t) {
        String best = t.toString();
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c.getMessage() != null && !c.getMessage().isBlank()) best = c.getClass().getSimpleName() + ": " + c.getMessage();
        }
        return best;
    }
}
