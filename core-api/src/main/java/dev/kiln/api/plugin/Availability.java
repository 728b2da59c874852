package dev.kiln.api.plugin;

/** Whether a plugin can run here, and why not (e.g. "no OpenCL device: install pocl-opencl-icd"). */
public record Availability(boolean available, String detail) {
    public static Availability yes(String detail) { return new Availability(true, detail); }
    public static Availability no(String why) { return new Availability(false, why); }
}
