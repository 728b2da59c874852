package dev.kiln.backend.opencl;

import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/**
 * One OpenCL device as the driver lists it (read once through JOCL when devices are listed).
 *
 * @param localMemBytes  local memory per work-group
 * @param maxAllocBytes  the largest single buffer the device allows
 * @param globalMemBytes the device's memory
 */
public record ClDevice(cl_platform_id platform, cl_device_id id, String name, Type type, String platformName,
                       String platformVendor, int computeUnits, long localMemBytes, long maxAllocBytes, long globalMemBytes) {

    /** The device kinds OpenCL reports, in the order the backend prefers them. */
    public enum Type { GPU, ACC, CPU }

    /** "name (GPU) on platform 'X' (vendor), N compute units, local K KiB, max buffer M MiB". */
    public String describe() {
        return name + " (" + type + ") on platform '" + platformName + "' (" + platformVendor + "), " + computeUnits
                + " compute units, local " + localMemBytes / 1024 + " KiB, max buffer " + maxAllocBytes / (1024 * 1024) + " MiB";
    }
}
